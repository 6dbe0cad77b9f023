package dev.pgcdc.redis;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;

/**
 * How column values are written to Redis: as text, and as JSON inside {@code {json:...}} and stream
 * entries.
 *
 * <p>Text: {@code null} is the empty string (Redis has no null), numbers in plain notation
 * ({@code 12.50}, never {@code 1.25E+1}), booleans {@code true}/{@code false}, temporal values in ISO-8601,
 * {@code bytea} as its raw bytes, arrays as JSON. JSON: strings quoted, numbers and booleans bare, arrays as
 * arrays; {@code json}/{@code jsonb} columns are strings holding the document, as Debezium writes them.
 *
 * @author pgcdc
 */
final class RedisValues {

	private static final byte[] EMPTY = new byte[0];

	private static final char[] HEX = "0123456789abcdef".toCharArray();

	private static final java.util.Map<String, byte[]> NAMES = new java.util.concurrent.ConcurrentHashMap<>();

	private RedisValues() {
	}

	static byte[] bytes(Object value) {
		if (value == null) {
			return EMPTY;
		}
		if (value instanceof byte[] raw) {
			return raw;
		}
		return text(value).getBytes(StandardCharsets.UTF_8);
	}

	static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * Return the bytes of a column name, encoded once: names repeat in every row of {@code {pairs:...}}.
	 * @param column the column name
	 * @return its UTF-8 bytes, shared: never modify them
	 */
	static byte[] name(String column) {
		return NAMES.computeIfAbsent(column, RedisValues::bytes);
	}

	static String text(Object value) {
		if (value == null) {
			return "";
		}
		if (value instanceof String string) {
			return string;
		}
		if (value instanceof BigDecimal decimal) {
			return decimal.toPlainString();
		}
		if (value instanceof byte[] raw) {
			return new String(raw, StandardCharsets.UTF_8);
		}
		if (value instanceof Collection<?> || value instanceof Map<?, ?>) {
			StringBuilder json = new StringBuilder();
			appendJson(json, value);
			return json.toString();
		}
		return value.toString();
	}

	/**
	 * Append a row image as a JSON object.
	 * @param out where to write
	 * @param values the column values in table order
	 */
	static void appendJsonObject(StringBuilder out, Map<String, ?> values) {
		out.append('{');
		boolean first = true;
		for (Map.Entry<String, ?> entry : values.entrySet()) {
			if (!first) {
				out.append(',');
			}
			first = false;
			appendJsonString(out, entry.getKey());
			out.append(':');
			appendJson(out, entry.getValue());
		}
		out.append('}');
	}

	static void appendJson(StringBuilder out, Object value) {
		if (value == null) {
			out.append("null");
		}
		else if (value instanceof Boolean || value instanceof Integer || value instanceof Long
				|| value instanceof Short) {
			out.append(value);
		}
		else if (value instanceof BigDecimal decimal) {
			out.append(decimal.toPlainString());
		}
		else if ((value instanceof Double || value instanceof Float) && Double.isFinite(((Number) value).doubleValue())) {
			out.append(value);
		}
		else if (value instanceof Map<?, ?> map) {
			@SuppressWarnings("unchecked")
			Map<String, ?> object = (Map<String, ?>) map;
			appendJsonObject(out, object);
		}
		else if (value instanceof Collection<?> items) {
			appendJsonArray(out, items, (item) -> appendJson(out, item));
		}
		else if (value instanceof byte[] raw) {
			// bytea as Debezium's default: base64
			appendJsonString(out, java.util.Base64.getEncoder().encodeToString(raw));
		}
		else {
			// temporal values (ISO-8601), UUIDs, NaN and infinite numbers, ...: their text
			appendJsonString(out, value.toString());
		}
	}

	/**
	 * Append a JSON array, each element written by {@code element}.
	 * @param out where to write
	 * @param items the elements
	 * @param element writes one element to {@code out}
	 */
	static void appendJsonArray(StringBuilder out, Collection<?> items, java.util.function.Consumer<Object> element) {
		out.append('[');
		boolean first = true;
		for (Object item : items) {
			if (!first) {
				out.append(',');
			}
			first = false;
			element.accept(item);
		}
		out.append(']');
	}

	static void appendJsonString(StringBuilder out, String value) {
		out.append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c == '"' || c == '\\') {
				out.append('\\').append(c);
			}
			else if (c < 0x20) {
				out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
			}
			else {
				out.append(c);
			}
		}
		out.append('"');
	}

}
