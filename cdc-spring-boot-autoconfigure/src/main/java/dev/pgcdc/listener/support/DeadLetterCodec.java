package dev.pgcdc.listener.support;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Row;
import dev.pgcdc.event.TableId;
import dev.pgcdc.event.ValueConverter;
import dev.pgcdc.event.ValuesRow;
import org.postgresql.util.PGInterval;

/**
 * Turns the changes of a listener failure into the JSON kept in the dead-letter table's
 * {@code changes} column, and back into equal {@link ChangeEvent}s.
 *
 * <p>The document is an array with one object per change:
 * <pre class="code">
 * {"operation": "UPDATE", "schema": "public", "table": "orders", "lsn": "0/16B3748",
 *  "commitLsn": "0/16B37A0", "xid": 745, "commitTime": "2025-05-01T10:15:30.123456Z",
 *  "before": {"keys": ["id"], "columns": [{"name": "id", "type": "int8", "value": 42}]},
 *  "after": {"keys": ["id"], "columns": [{"name": "id", "type": "int8", "value": 42},
 *            {"name": "total", "type": "numeric", "value": "10.50"},
 *            {"name": "notes", "value": null, "unchanged": true}]}}
 * </pre>
 * Columns are an array because {@code jsonb} does not keep the order of object members. Every
 * non-null value carries a tag naming its Java type by the PostgreSQL type it comes from, so that it
 * reads back as the same class: {@code int4} Integer, {@code int8} Long, {@code float4} Float,
 * {@code float8} Double, {@code numeric} BigDecimal, {@code bool} Boolean, {@code text} String,
 * {@code uuid} UUID, {@code bytea} byte[] (lowercase hex), {@code date} LocalDate, {@code time}
 * LocalTime, {@code timetz} OffsetTime, {@code timestamp} LocalDateTime, {@code timestamptz}
 * OffsetDateTime, {@code interval} PGInterval, {@code duration} Duration and {@code array} List (a
 * JSON array of tagged elements, {@code null} for null elements). Integers and booleans are JSON
 * numbers and booleans; everything else is a string in the type's own exact text form, because JSON
 * numbers have no NaN or infinity and {@code jsonb} would rewrite {@code 1E+3}. Values of other
 * classes are stored as their {@code toString()} and come back as {@code text}.
 *
 * <p>A failed logical message is an element {@code {"operation": "MESSAGE", "prefix": ...,
 * "transactional": ..., "lsn": ..., "content": {"type": "text" or "bytea", "value": ...}}}; the content
 * is text when it is valid UTF-8.
 *
 * @author pgcdc
 */
final class DeadLetterCodec {

	/** The operation of the element that holds a logical message. */
	static final String MESSAGE = "MESSAGE";

	private static final HexFormat HEX = HexFormat.of();

	private DeadLetterCodec() {
	}

	/**
	 * Encode a failure's changes and message.
	 * @param changes the changes, in order
	 * @param message the logical message, or {@code null}
	 * @return the JSON document
	 */
	static String encode(List<ChangeEvent> changes, LogicalMessage message) {
		StringBuilder out = new StringBuilder(256 * Math.max(1, changes.size()));
		out.append('[');
		for (ChangeEvent change : changes) {
			if (out.length() > 1) {
				out.append(',');
			}
			appendChange(out, change);
		}
		if (message != null) {
			if (out.length() > 1) {
				out.append(',');
			}
			appendMessage(out, message);
		}
		return out.append(']').toString();
	}

	private static void appendChange(StringBuilder out, ChangeEvent change) {
		out.append("{\"operation\":");
		DeadLetterJson.appendString(out, change.operation().name());
		out.append(",\"schema\":");
		DeadLetterJson.appendString(out, change.table().schema());
		out.append(",\"table\":");
		DeadLetterJson.appendString(out, change.table().name());
		out.append(",\"lsn\":\"").append(change.lsn()).append('"');
		out.append(",\"commitLsn\":\"").append(change.commitLsn()).append('"');
		out.append(",\"xid\":").append(change.xid());
		out.append(",\"commitTime\":\"").append(change.commitTime()).append('"');
		if (change.before() != null) {
			out.append(",\"before\":");
			appendRow(out, change.before());
		}
		if (change.after() != null) {
			out.append(",\"after\":");
			appendRow(out, change.after());
		}
		out.append('}');
	}

	private static void appendRow(StringBuilder out, Row row) {
		out.append("{\"keys\":[");
		List<String> keys = row.keyColumns();
		for (int i = 0; i < keys.size(); i++) {
			if (i > 0) {
				out.append(',');
			}
			DeadLetterJson.appendString(out, keys.get(i));
		}
		out.append("],\"columns\":[");
		List<String> columns = row.columns();
		for (int i = 0; i < columns.size(); i++) {
			String column = columns.get(i);
			out.append((i > 0) ? ",{\"name\":" : "{\"name\":");
			DeadLetterJson.appendString(out, column);
			out.append(',');
			appendTypedValue(out, row.get(column));
			if (row.isUnchanged(column)) {
				out.append(",\"unchanged\":true");
			}
			out.append('}');
		}
		out.append("]}");
	}

	private static void appendMessage(StringBuilder out, LogicalMessage message) {
		out.append("{\"operation\":\"").append(MESSAGE).append("\",\"prefix\":");
		DeadLetterJson.appendString(out, message.prefix());
		out.append(",\"transactional\":").append(message.transactional());
		out.append(",\"lsn\":\"").append(message.lsn()).append('"');
		out.append(",\"content\":{");
		byte[] content = message.content();
		String text = strictUtf8(content);
		appendTypedValue(out, (text != null) ? text : content);
		out.append("}}");
	}

	/** Return the bytes as text if they are valid UTF-8 that a PostgreSQL string can hold, else null. */
	private static String strictUtf8(byte[] bytes) {
		try {
			String text = StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(bytes))
				.toString();
			return (text.indexOf('\0') < 0) ? text : null;
		}
		catch (CharacterCodingException ex) {
			return null;
		}
	}

	/** Append {@code "type":...,"value":...} (or just {@code "value":null}) without braces. */
	private static void appendTypedValue(StringBuilder out, Object value) {
		if (value == null) {
			out.append("\"value\":null");
			return;
		}
		if (value instanceof List<?> list) {
			out.append("\"type\":\"array\",\"value\":[");
			for (int i = 0; i < list.size(); i++) {
				if (i > 0) {
					out.append(',');
				}
				Object element = list.get(i);
				if (element == null) {
					out.append("null");
				}
				else {
					out.append('{');
					appendTypedValue(out, element);
					out.append('}');
				}
			}
			out.append(']');
			return;
		}
		if (value instanceof Integer || value instanceof Long || value instanceof Boolean) {
			out.append("\"type\":\"").append(tag(value)).append("\",\"value\":").append(value);
			return;
		}
		String tag = tag(value);
		String text = text(value);
		if (text == null) {
			out.append("\"value\":null");
			return;
		}
		out.append("\"type\":\"").append(tag).append("\",\"value\":");
		DeadLetterJson.appendString(out, text);
	}

	private static String tag(Object value) {
		if (value instanceof Integer) {
			return "int4";
		}
		if (value instanceof Long) {
			return "int8";
		}
		if (value instanceof Boolean) {
			return "bool";
		}
		if (value instanceof Float) {
			return "float4";
		}
		if (value instanceof Double) {
			return "float8";
		}
		if (value instanceof BigDecimal) {
			return "numeric";
		}
		if (value instanceof UUID) {
			return "uuid";
		}
		if (value instanceof byte[]) {
			return "bytea";
		}
		if (value instanceof LocalDate) {
			return "date";
		}
		if (value instanceof LocalTime) {
			return "time";
		}
		if (value instanceof OffsetTime) {
			return "timetz";
		}
		if (value instanceof LocalDateTime) {
			return "timestamp";
		}
		if (value instanceof OffsetDateTime) {
			return "timestamptz";
		}
		if (value instanceof PGInterval) {
			return "interval";
		}
		if (value instanceof Duration) {
			return "duration";
		}
		return "text";
	}

	private static String text(Object value) {
		if (value instanceof BigDecimal decimal) {
			// the plain form is easier to read and keeps the scale, except for a negative scale,
			// which only the exponent form (1E+3) keeps
			return (decimal.scale() >= 0) ? decimal.toPlainString() : decimal.toString();
		}
		if (value instanceof byte[] bytes) {
			return HEX.formatHex(bytes);
		}
		if (value instanceof PGInterval interval) {
			return interval.getValue();
		}
		// Float, Double, UUID, String and java.time print a form their parse methods read back exactly
		return value.toString();
	}

	/**
	 * Decode a document written by {@link #encode}, as {@code jsonb} gives it back.
	 * @param json the document
	 * @param converter the converter of the rows
	 * @return the changes and the message (or {@code null})
	 * @throws IllegalArgumentException if the document is not one this codec writes
	 */
	static Decoded decode(String json, ValueConverter converter) {
		if (!(DeadLetterJson.parse(json) instanceof List<?> elements)) {
			throw new IllegalArgumentException("expected a JSON array of changes");
		}
		List<ChangeEvent> changes = new ArrayList<>(elements.size());
		LogicalMessage message = null;
		for (Object element : elements) {
			Map<?, ?> object = asObject(element, "change");
			String operation = string(object, "operation");
			if (MESSAGE.equals(operation)) {
				message = decodeMessage(object);
			}
			else {
				changes.add(decodeChange(object, operation, converter));
			}
		}
		return new Decoded(Collections.unmodifiableList(changes), message);
	}

	private static ChangeEvent decodeChange(Map<?, ?> object, String operation, ValueConverter converter) {
		TableId table = new TableId(string(object, "schema"), string(object, "table"));
		Row before = decodeRow(object.get("before"), table, converter);
		Row after = decodeRow(object.get("after"), table, converter);
		return new ChangeEvent(Operation.valueOf(operation), table, before, after, Lsn.parse(string(object, "lsn")),
				Lsn.parse(string(object, "commitLsn")), number(object, "xid").longValueExact(),
				Instant.parse(string(object, "commitTime")));
	}

	private static Row decodeRow(Object element, TableId table, ValueConverter converter) {
		if (element == null) {
			return null;
		}
		Map<?, ?> row = asObject(element, "row");
		List<String> keys = new ArrayList<>();
		for (Object key : asArray(row.get("keys"), "keys")) {
			keys.add(asString(key, "key column"));
		}
		List<?> columns = asArray(row.get("columns"), "columns");
		List<String> names = new ArrayList<>(columns.size());
		Object[] values = new Object[columns.size()];
		boolean[] unchanged = new boolean[columns.size()];
		for (int i = 0; i < values.length; i++) {
			Map<?, ?> column = asObject(columns.get(i), "column");
			names.add(string(column, "name"));
			values[i] = decodeTypedValue(column);
			unchanged[i] = Boolean.TRUE.equals(column.get("unchanged"));
		}
		return new ValuesRow(ValuesRow.Layout.of(names, keys), values, unchanged, table + " (dead letter)", converter);
	}

	private static LogicalMessage decodeMessage(Map<?, ?> object) {
		Object content = decodeTypedValue(asObject(object.get("content"), "content"));
		byte[] bytes = (content instanceof String text) ? text.getBytes(StandardCharsets.UTF_8) : (byte[]) content;
		if (!(object.get("transactional") instanceof Boolean transactional)) {
			throw new IllegalArgumentException("expected a boolean 'transactional'");
		}
		return new LogicalMessage(string(object, "prefix"), bytes, transactional, Lsn.parse(string(object, "lsn")));
	}

	private static Object decodeTypedValue(Map<?, ?> object) {
		Object value = object.get("value");
		if (value == null) {
			return null;
		}
		String type = string(object, "type");
		if (value instanceof List<?> list) {
			if (!"array".equals(type)) {
				throw new IllegalArgumentException("a JSON array stored with type '" + type + "'");
			}
			List<Object> elements = new ArrayList<>(list.size());
			for (Object element : list) {
				elements.add((element != null) ? decodeTypedValue(asObject(element, "array element")) : null);
			}
			return Collections.unmodifiableList(elements);
		}
		try {
			return switch (type) {
				case "int4" -> ((BigDecimal) value).intValueExact();
				case "int8" -> ((BigDecimal) value).longValueExact();
				case "bool" -> (Boolean) value;
				case "float4" -> Float.valueOf((String) value);
				case "float8" -> Double.valueOf((String) value);
				case "numeric" -> new BigDecimal((String) value);
				case "text" -> (String) value;
				case "uuid" -> UUID.fromString((String) value);
				case "bytea" -> HEX.parseHex((String) value);
				case "date" -> LocalDate.parse((String) value);
				case "time" -> LocalTime.parse((String) value);
				case "timetz" -> OffsetTime.parse((String) value);
				case "timestamp" -> LocalDateTime.parse((String) value);
				case "timestamptz" -> OffsetDateTime.parse((String) value);
				case "interval" -> new PGInterval((String) value);
				case "duration" -> Duration.parse((String) value);
				default -> throw new IllegalArgumentException("unknown value type '" + type + "'");
			};
		}
		catch (ClassCastException | ArithmeticException | SQLException ex) {
			throw new IllegalArgumentException("a " + type + " value stored as " + value, ex);
		}
	}

	private static Map<?, ?> asObject(Object value, String what) {
		if (value instanceof Map<?, ?> map) {
			return map;
		}
		throw new IllegalArgumentException("expected a JSON object for the " + what);
	}

	private static List<?> asArray(Object value, String what) {
		if (value instanceof List<?> list) {
			return list;
		}
		throw new IllegalArgumentException("expected a JSON array for '" + what + "'");
	}

	private static String asString(Object value, String what) {
		if (value instanceof String text) {
			return text;
		}
		throw new IllegalArgumentException("expected a string for the " + what);
	}

	private static String string(Map<?, ?> object, String member) {
		return asString(object.get(member), "'" + member + "'");
	}

	private static BigDecimal number(Map<?, ?> object, String member) {
		if (object.get(member) instanceof BigDecimal number) {
			return number;
		}
		throw new IllegalArgumentException("expected a number for '" + member + "'");
	}

	/**
	 * What a stored document holds.
	 * @param changes the changes, in order (empty for a message)
	 * @param message the logical message, or {@code null}
	 */
	record Decoded(List<ChangeEvent> changes, LogicalMessage message) {
	}

}
