package dev.pgcdc.listener.support;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Row;
import dev.pgcdc.event.TableId;
import dev.pgcdc.event.ValueConverter;
import dev.pgcdc.event.ValuesRow;

import static dev.pgcdc.listener.support.DeadLetterJson.asArray;
import static dev.pgcdc.listener.support.DeadLetterJson.asObject;
import static dev.pgcdc.listener.support.DeadLetterJson.asString;
import static dev.pgcdc.listener.support.DeadLetterJson.bool;
import static dev.pgcdc.listener.support.DeadLetterJson.number;
import static dev.pgcdc.listener.support.DeadLetterJson.string;

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
 * non-null value carries a tag naming its Java type, so that it reads back as the same class; the tags
 * and their JSON forms are {@link DeadLetterValues}'.
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
			DeadLetterValues.append(out, row.get(column));
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
		DeadLetterValues.append(out, (text != null) ? text : content);
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
			values[i] = DeadLetterValues.decode(column);
			unchanged[i] = Boolean.TRUE.equals(column.get("unchanged"));
		}
		return new ValuesRow(ValuesRow.Layout.of(names, keys), values, unchanged, table + " (dead letter)", converter);
	}

	private static LogicalMessage decodeMessage(Map<?, ?> object) {
		Object content = DeadLetterValues.decode(asObject(object.get("content"), "content"));
		byte[] bytes = (content instanceof String text) ? text.getBytes(StandardCharsets.UTF_8) : (byte[]) content;
		return new LogicalMessage(string(object, "prefix"), bytes, bool(object, "transactional"),
				Lsn.parse(string(object, "lsn")));
	}

	/**
	 * What a stored document holds.
	 * @param changes the changes, in order (empty for a message)
	 * @param message the logical message, or {@code null}
	 */
	record Decoded(List<ChangeEvent> changes, LogicalMessage message) {
	}

}
