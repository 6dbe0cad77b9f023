package dev.pgcdc.redis;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.postgresql.util.PGInterval;

import dev.pgcdc.event.Row;
import dev.pgcdc.replication.TypedRow;

/**
 * Writes column values as JSON the way Debezium's PostgreSQL connector encodes them by default, seen through
 * Kafka Connect's JSON converter with schemas off: the {@code before}, {@code after} and key objects of the
 * {@code debezium} stream format (and of any other sink that renders Debezium bodies, see
 * {@link ChangeEventJson}).
 *
 * <p>The encoding depends on the column type, so rows read from the replication stream ({@link TypedRow})
 * are encoded with their column's type modifier: {@code numeric(p,s)} becomes a
 * {@code org.apache.kafka.connect.data.Decimal} (base64 of the unscaled two's-complement big-endian bytes, the
 * scale in the schema), {@code numeric} without a scale Debezium's {@code VariableScaleDecimal}
 * {@code {"scale":s,"value":"<base64>"}}, {@code time(p)} and {@code timestamp(p)} milliseconds for
 * {@code p <= 3} and microseconds otherwise. Rows built from maps are encoded as if no modifier was given.
 * The three options carry Debezium's names and defaults: {@code decimal.handling.mode},
 * {@code time.precision.mode} and {@code binary.handling.mode}. Values of types this class does not know are
 * written as their text, which is what Debezium does for ranges, network addresses and enums.
 *
 * @author pgcdc
 */
public final class DebeziumValueEncoder {

	/** Debezium's {@code decimal.handling.mode}: how {@code numeric} and {@code money} are written. */
	public enum DecimalHandling {

		/** Kafka Connect {@code Decimal} bytes, or {@code VariableScaleDecimal} without a declared scale. */
		PRECISE,

		/** A JSON number (a double, precision may be lost). */
		DOUBLE,

		/** The plain decimal text as a JSON string. */
		STRING

	}

	/** Debezium's {@code time.precision.mode}, the modes that keep values as numbers. */
	public enum TimePrecision {

		/** Milliseconds or microseconds after the column's declared precision. */
		ADAPTIVE,

		/** As {@link #ADAPTIVE}, but {@code time} always in microseconds. */
		ADAPTIVE_TIME_MICROSECONDS,

		/** Kafka Connect's {@code Date}, {@code Time} and {@code Timestamp}: days and milliseconds. */
		CONNECT

	}

	/** Debezium's {@code binary.handling.mode}: how {@code bytea} is written. */
	public enum BinaryHandling {

		/** Bytes, which the JSON converter writes as base64. */
		BYTES,

		/** A base64 string. */
		BASE64,

		/** A URL-safe base64 string. */
		BASE64_URL_SAFE,

		/** A lower-case hex string. */
		HEX

	}

	static final int NUMERIC = 1700;

	static final int NUMERIC_ARRAY = 1231;

	static final int MONEY = 790;

	static final int BIT = 1560;

	static final int VARBIT = 1562;

	/** Debezium's {@code money.fraction.digits} default. */
	private static final int MONEY_SCALE = 2;

	private static final DebeziumValueEncoder DEFAULTS = new DebeziumValueEncoder(DecimalHandling.PRECISE,
			TimePrecision.ADAPTIVE, BinaryHandling.BYTES);

	private final DecimalHandling decimalHandling;

	private final BinaryHandling binaryHandling;

	private final DebeziumTemporalValues temporal;

	/**
	 * Create an encoder.
	 * @param decimalHandling how numerics are written
	 * @param timePrecision how dates and times are written
	 * @param binaryHandling how {@code bytea} is written
	 */
	public DebeziumValueEncoder(DecimalHandling decimalHandling, TimePrecision timePrecision,
			BinaryHandling binaryHandling) {
		this.decimalHandling = decimalHandling;
		this.binaryHandling = binaryHandling;
		this.temporal = new DebeziumTemporalValues(timePrecision);
	}

	/**
	 * Return the encoder with Debezium's defaults: {@code precise}, {@code adaptive}, {@code bytes}.
	 * @return the default encoder
	 */
	public static DebeziumValueEncoder defaults() {
		return DEFAULTS;
	}

	/**
	 * Create an encoder from configured option values such as {@code precise}, {@code adaptive_time_microseconds}
	 * or {@code base64-url-safe} (case and {@code -}/{@code _} do not matter).
	 * @param prefix the configuration prefix for messages, e.g. {@code cdc.redis.stream}
	 * @param decimalHandling the {@code decimal-handling} value, {@code null} for the default
	 * @param timePrecision the {@code time-precision} value, {@code null} for the default
	 * @param binaryHandling the {@code binary-handling} value, {@code null} for the default
	 * @return the encoder
	 * @throws IllegalStateException naming the property and the values it takes
	 */
	public static DebeziumValueEncoder of(String prefix, String decimalHandling, String timePrecision,
			String binaryHandling) {
		return new DebeziumValueEncoder(option(DecimalHandling.class, prefix + ".decimal-handling", decimalHandling,
				DecimalHandling.PRECISE), option(TimePrecision.class, prefix + ".time-precision", timePrecision,
						TimePrecision.ADAPTIVE),
				option(BinaryHandling.class, prefix + ".binary-handling", binaryHandling, BinaryHandling.BYTES));
	}

	private static <E extends Enum<E>> E option(Class<E> type, String property, String value, E fallback) {
		if (value == null) {
			return fallback;
		}
		String name = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
		for (E constant : type.getEnumConstants()) {
			if (constant.name().equals(name)) {
				return constant;
			}
		}
		StringBuilder names = new StringBuilder();
		for (E constant : type.getEnumConstants()) {
			names.append((names.length() > 0) ? ", " : "").append(optionName(constant, property));
		}
		throw new IllegalStateException(property + " is '" + value + "'; use one of " + names);
	}

	private static String optionName(Enum<?> constant, String property) {
		String name = constant.name().toLowerCase(Locale.ROOT);
		// Debezium spells the time modes with underscores and the binary ones with hyphens
		return property.endsWith("binary-handling") ? name.replace('_', '-') : name;
	}

	/**
	 * Append a row image as a JSON object, or {@code null} for no image.
	 * @param out where to write
	 * @param row the row, or {@code null}
	 */
	public void appendRow(StringBuilder out, Row row) {
		appendColumns(out, row, (row != null) ? row.columns() : null);
	}

	/**
	 * Append some columns of a row as a JSON object (the key columns for a Debezium key).
	 * @param out where to write
	 * @param row the row, or {@code null}
	 * @param columns the columns to write, in order
	 */
	public void appendColumns(StringBuilder out, Row row, List<String> columns) {
		if (row == null) {
			out.append("null");
			return;
		}
		TypedRow typed = (row instanceof TypedRow t) ? t : null;
		out.append('{');
		boolean first = true;
		for (String column : columns) {
			if (!first) {
				out.append(',');
			}
			first = false;
			RedisValues.appendJsonString(out, column);
			out.append(':');
			Object value = row.contains(column) ? row.get(column) : null;
			appendValue(out, value, (typed != null) ? typed.typeOid(column) : 0,
					(typed != null) ? typed.typeModifier(column) : -1);
		}
		out.append('}');
	}

	/**
	 * Append one value as Debezium encodes a column of the given type.
	 * @param out where to write
	 * @param value the decoded value, {@code null} for SQL NULL
	 * @param typeOid the column type OID, 0 when unknown
	 * @param typeModifier the column's {@code atttypmod}, -1 for none
	 */
	void appendValue(StringBuilder out, Object value, int typeOid, int typeModifier) {
		if (value == null) {
			out.append("null");
		}
		else if (typeOid == MONEY && value instanceof Double amount) {
			// money decodes to a Double, as pgjdbc's getObject gives it; Debezium writes it as a decimal
			appendMoney(out, BigDecimal.valueOf(amount));
		}
		else if (value instanceof BigDecimal decimal) {
			appendDecimal(out, decimal, typeModifier);
		}
		else if (value instanceof String text) {
			if (typeOid == MONEY) {
				appendMoney(out, text);
			}
			else if (typeOid == BIT || typeOid == VARBIT) {
				appendBits(out, text, typeModifier);
			}
			else {
				RedisValues.appendJsonString(out, text);
			}
		}
		else if (value instanceof Boolean || value instanceof Integer || value instanceof Long
				|| value instanceof Short) {
			out.append(value);
		}
		else if (value instanceof Double || value instanceof Float) {
			appendFloatingPoint(out, (Number) value, typeOid == NUMERIC || typeOid == NUMERIC_ARRAY);
		}
		else if (value instanceof byte[] bytes) {
			appendBinary(out, bytes);
		}
		else if (value instanceof LocalDate date) {
			out.append(this.temporal.date(date));
		}
		else if (value instanceof LocalTime time) {
			out.append(this.temporal.time(time, typeModifier));
		}
		else if (value instanceof LocalDateTime timestamp) {
			out.append(this.temporal.timestamp(timestamp, typeModifier));
		}
		else if (value instanceof OffsetDateTime timestamp) {
			RedisValues.appendJsonString(out, this.temporal.zonedTimestamp(timestamp, typeModifier));
		}
		else if (value instanceof OffsetTime time) {
			RedisValues.appendJsonString(out, this.temporal.zonedTime(time));
		}
		else if (value instanceof PGInterval interval) {
			out.append(DebeziumTemporalValues.intervalMicros(interval));
		}
		else if (value instanceof Duration duration) {
			out.append(DebeziumTemporalValues.intervalMicros(duration));
		}
		else if (value instanceof Collection<?> items) {
			// the column's modifier applies to every element (numeric(10,2)[], timestamp(3)[])
			RedisValues.appendJsonArray(out, items, (item) -> appendValue(out, item, typeOid, typeModifier));
		}
		else if (value instanceof Map<?, ?> map) {
			// hstore: Debezium's default hstore.handling.mode json writes the map as a JSON document string
			StringBuilder document = new StringBuilder();
			RedisValues.appendJsonObject(document, stringValues(map));
			RedisValues.appendJsonString(out, document.toString());
		}
		else {
			// uuid, json, jsonb, xml, inet, ranges, enums and types this class does not know: their text
			RedisValues.appendJsonString(out, value.toString());
		}
	}

	private static Map<String, String> stringValues(Map<?, ?> map) {
		Map<String, String> values = new java.util.LinkedHashMap<>();
		map.forEach((key, value) -> values.put(String.valueOf(key), (value != null) ? value.toString() : null));
		return values;
	}

	private void appendDecimal(StringBuilder out, BigDecimal value, int typeModifier) {
		boolean variableScale = typeModifier < 0;
		BigDecimal decimal = variableScale ? value : value.setScale(scale(typeModifier), RoundingMode.HALF_UP);
		switch (this.decimalHandling) {
			case DOUBLE -> out.append(decimal.doubleValue());
			case STRING -> RedisValues.appendJsonString(out, decimal.toPlainString());
			case PRECISE -> {
				if (variableScale) {
					BigDecimal stripped = decimal.stripTrailingZeros();
					if (stripped.scale() < 0) {
						stripped = stripped.setScale(0);
					}
					out.append("{\"scale\":").append(stripped.scale()).append(",\"value\":");
					appendBase64(out, stripped.unscaledValue().toByteArray());
					out.append('}');
				}
				else {
					appendBase64(out, decimal.unscaledValue().toByteArray());
				}
			}
		}
	}

	/** The scale of {@code numeric(p,s)}: 11 signed bits since PostgreSQL 15 allows {@code numeric(5,-2)}. */
	private static int scale(int typeModifier) {
		return (((typeModifier - 4) & 0x7FF) ^ 1024) - 1024;
	}

	/**
	 * NaN and infinite values: a JSON number cannot hold them. Numeric ones are written as Debezium's string
	 * mode writes them ({@code NAN}, {@code POSITIVE_INFINITY}, {@code NEGATIVE_INFINITY}), also in precise mode,
	 * where Debezium stops with an error; double mode and float columns get the quoted {@code NaN},
	 * {@code Infinity} and {@code -Infinity} of Jackson, which the JSON converter uses.
	 */
	private void appendFloatingPoint(StringBuilder out, Number value, boolean numeric) {
		double number = value.doubleValue();
		if (Double.isFinite(number)) {
			out.append(value);
		}
		else if (numeric && this.decimalHandling != DecimalHandling.DOUBLE) {
			RedisValues.appendJsonString(out, Double.isNaN(number) ? "NAN"
					: (number > 0) ? "POSITIVE_INFINITY" : "NEGATIVE_INFINITY");
		}
		else {
			RedisValues.appendJsonString(out, Double.toString(number));
		}
	}

	/** money text such as {@code $1,234.50} or {@code -$3.00}: Debezium parses it to a decimal of scale 2. */
	private void appendMoney(StringBuilder out, String text) {
		StringBuilder digits = new StringBuilder(text.length());
		boolean negative = !text.isEmpty() && (text.charAt(0) == '-' || text.charAt(0) == '(');
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if ((c >= '0' && c <= '9') || c == '.') {
				digits.append(c);
			}
		}
		BigDecimal amount;
		try {
			amount = new BigDecimal(digits.toString());
		}
		catch (NumberFormatException ex) {
			// a locale whose money text this cannot read: keep the text rather than fail the stream
			RedisValues.appendJsonString(out, text);
			return;
		}
		appendMoney(out, negative ? amount.negate() : amount);
	}

	private void appendMoney(StringBuilder out, BigDecimal value) {
		BigDecimal amount = value.setScale(MONEY_SCALE, RoundingMode.HALF_UP);
		switch (this.decimalHandling) {
			case DOUBLE -> out.append(amount.doubleValue());
			case STRING -> RedisValues.appendJsonString(out, amount.toPlainString());
			case PRECISE -> appendBase64(out, amount.unscaledValue().toByteArray());
		}
	}

	/**
	 * {@code bit(1)} and {@code varbit(1)} as a boolean, longer bit strings as Debezium's {@code Bits}: the bits
	 * little-endian (the last character is bit 0), as few bytes as the highest set bit needs, base64 like all
	 * bytes (whatever the binary handling, which is for {@code bytea}).
	 */
	private static void appendBits(StringBuilder out, String bits, int typeModifier) {
		int length = (typeModifier < 0) ? Integer.MAX_VALUE : typeModifier;
		if (length <= 1) {
			out.append(bits.indexOf('1') >= 0);
			return;
		}
		java.util.BitSet set = new java.util.BitSet(bits.length());
		for (int i = 0; i < bits.length(); i++) {
			if (bits.charAt(bits.length() - 1 - i) == '1') {
				set.set(i);
			}
		}
		appendBase64(out, set.toByteArray());
	}

	private void appendBinary(StringBuilder out, byte[] bytes) {
		switch (this.binaryHandling) {
			case BYTES, BASE64 -> appendBase64(out, bytes);
			case BASE64_URL_SAFE -> RedisValues.appendJsonString(out, Base64.getUrlEncoder().encodeToString(bytes));
			case HEX -> RedisValues.appendJsonString(out, java.util.HexFormat.of().formatHex(bytes));
		}
	}

	private static void appendBase64(StringBuilder out, byte[] bytes) {
		// base64 needs no JSON escaping
		out.append('"').append(Base64.getEncoder().encodeToString(bytes)).append('"');
	}

}
