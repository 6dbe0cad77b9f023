package dev.pgcdc.redis;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Row;
import dev.pgcdc.event.TableId;

/**
 * Renders a {@link ChangeEvent} as the JSON key and body a broker message carries, in the {@code native} or
 * the {@code debezium} format; the Redis stream sink writes these, and any other sink can reuse them.
 *
 * <p>{@code native}: the body is {@code {"op","table","lsn","commit_lsn","commit_time","xid","before","after"}}
 * with values as {@link RedisValues} writes JSON (numbers bare, temporal values ISO-8601), {@code before} and
 * {@code after} left out where the change has none. {@code debezium}: the body is the change event envelope
 * Debezium's PostgreSQL connector produces through the JSON converter with schemas off ({@code before},
 * {@code after}, {@code source}, {@code op}, {@code ts_ms}, {@code transaction}), its row values encoded by a
 * {@link DebeziumValueEncoder}. In both formats the key is a JSON object of the row's key columns.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @author pgcdc
 */
public final class ChangeEventJson {

	private final DebeziumValueEncoder debezium;

	private final String sourceName;

	private final String database;

	private final Function<TableId, List<String>> primaryKeys;

	private ChangeEventJson(DebeziumValueEncoder debezium, String sourceName, String database,
			Function<TableId, List<String>> primaryKeys) {
		this.debezium = debezium;
		this.sourceName = sourceName;
		this.database = database;
		this.primaryKeys = primaryKeys;
	}

	/**
	 * Return the renderer of the {@code native} format.
	 * @return the renderer
	 */
	public static ChangeEventJson nativeFormat() {
		return new ChangeEventJson(null, null, null, null);
	}

	/**
	 * Return a renderer of the {@code debezium} format.
	 * @param values how row values are encoded
	 * @param sourceName what {@code source.name} carries (the slot name)
	 * @param database what {@code source.db} carries
	 * @return the renderer
	 */
	public static ChangeEventJson debezium(DebeziumValueEncoder values, String sourceName, String database) {
		return new ChangeEventJson(values, sourceName, database, null);
	}

	/**
	 * Return the renderer for a configured format name.
	 * @param format {@code native} or {@code debezium} (any case)
	 * @param property the property holding the format, for the message
	 * @param values how debezium row values are encoded
	 * @param sourceName what {@code source.name} carries
	 * @param database what {@code source.db} carries
	 * @return the renderer
	 * @throws IllegalStateException if the format is neither
	 */
	public static ChangeEventJson forFormat(String format, String property, DebeziumValueEncoder values,
			String sourceName, String database) {
		String name = (format != null) ? format.toLowerCase(Locale.ROOT) : "";
		return switch (name) {
			case "native" -> nativeFormat();
			case "debezium" -> debezium(values, sourceName, database);
			default -> throw new IllegalStateException(property + " is '" + format + "'; use native or debezium");
		};
	}

	/**
	 * Return a renderer that keys changes of tables whose replica identity is every column
	 * ({@code REPLICA IDENTITY FULL}) by their primary key, as Debezium does.
	 * @param primaryKeys the primary key columns of a table (e.g. {@link PrimaryKeys}); a {@code null} answer
	 * keeps the row's identity columns
	 * @return the renderer
	 */
	public ChangeEventJson withPrimaryKeys(Function<TableId, List<String>> primaryKeys) {
		return new ChangeEventJson(this.debezium, this.sourceName, this.database, primaryKeys);
	}

	/**
	 * Return whether this renders the {@code debezium} format.
	 * @return {@code true} for debezium, {@code false} for native
	 */
	public boolean isDebezium() {
		return this.debezium != null;
	}

	/**
	 * Render the key: a JSON object of the key columns of the row ({@code {}} for a table without a key); the
	 * primary key where the row's identity is every column and {@link #withPrimaryKeys primary keys} are known.
	 * @param event the change
	 * @return the key JSON
	 */
	public String key(ChangeEvent event) {
		Row row = event.row();
		if (row == null) {
			return "{}";
		}
		List<String> identity = row.keyColumns();
		if (this.primaryKeys != null && identity.size() > 1 && identity.size() == row.columns().size()) {
			List<String> primaryKey = this.primaryKeys.apply(event.table());
			if (primaryKey != null) {
				return key(event, primaryKey);
			}
		}
		return key(event, identity);
	}

	/**
	 * Render the key from chosen columns, such as the primary key of a table whose replica identity is
	 * {@code FULL} (where the row's identity is every column and Debezium keys by the primary key).
	 * @param event the change
	 * @param columns the key columns
	 * @return the key JSON
	 */
	public String key(ChangeEvent event, List<String> columns) {
		Row row = event.row();
		StringBuilder out = new StringBuilder(32);
		if (row == null) {
			out.append("{}");
		}
		else if (this.debezium != null) {
			this.debezium.appendColumns(out, row, columns);
		}
		else {
			java.util.Map<String, Object> key = new java.util.LinkedHashMap<>();
			columns.forEach((column) -> key.put(column, row.get(column)));
			RedisValues.appendJsonObject(out, key);
		}
		return out.toString();
	}

	/**
	 * Render the body.
	 * @param event the change
	 * @return the body JSON
	 */
	public String body(ChangeEvent event) {
		return (this.debezium != null) ? debeziumBody(event) : nativeBody(event);
	}

	/**
	 * Return the database name of a JDBC URL, for Debezium's {@code source.db}.
	 * @param jdbcUrl the URL
	 * @return the last path segment, without the query
	 */
	public static String databaseName(String jdbcUrl) {
		String path = jdbcUrl;
		int query = path.indexOf('?');
		if (query >= 0) {
			path = path.substring(0, query);
		}
		int slash = path.lastIndexOf('/');
		return (slash >= 0) ? path.substring(slash + 1) : path;
	}

	/**
	 * Render a row image as the native format writes it ({@code before} and {@code after}).
	 * @param row the row
	 * @return a JSON object
	 */
	public static String nativeRow(Row row) {
		StringBuilder out = new StringBuilder(128);
		RedisValues.appendJsonObject(out, row.toMap());
		return out.toString();
	}

	private static String nativeBody(ChangeEvent event) {
		StringBuilder out = new StringBuilder(256);
		out.append("{\"op\":\"").append(CommandTemplate.operationName(event.operation())).append('"');
		out.append(",\"table\":");
		RedisValues.appendJsonString(out, event.table().toString());
		out.append(",\"lsn\":\"").append(event.lsn()).append('"');
		out.append(",\"commit_lsn\":\"").append(event.commitLsn()).append('"');
		out.append(",\"commit_time\":\"").append(event.commitTime()).append('"');
		out.append(",\"xid\":").append(event.xid());
		if (event.before() != null) {
			out.append(",\"before\":");
			RedisValues.appendJsonObject(out, event.before().toMap());
		}
		if (event.after() != null) {
			out.append(",\"after\":");
			RedisValues.appendJsonObject(out, event.after().toMap());
		}
		return out.append('}').toString();
	}

	private String debeziumBody(ChangeEvent event) {
		StringBuilder out = new StringBuilder(256);
		out.append("{\"before\":");
		this.debezium.appendRow(out, event.before());
		out.append(",\"after\":");
		this.debezium.appendRow(out, event.after());
		out.append(",\"source\":{\"version\":\"pgcdc\",\"connector\":\"postgresql\",\"name\":");
		RedisValues.appendJsonString(out, this.sourceName);
		out.append(",\"ts_ms\":").append(event.commitTime().toEpochMilli());
		out.append(",\"snapshot\":\"").append(event.operation() == Operation.SNAPSHOT).append('"');
		out.append(",\"db\":");
		RedisValues.appendJsonString(out, this.database);
		out.append(",\"schema\":");
		RedisValues.appendJsonString(out, event.table().schema());
		out.append(",\"table\":");
		RedisValues.appendJsonString(out, event.table().name());
		out.append(",\"txId\":").append(event.xid());
		out.append(",\"lsn\":").append(event.lsn().value());
		out.append("},\"op\":\"").append(debeziumOp(event.operation())).append('"');
		out.append(",\"ts_ms\":").append(System.currentTimeMillis());
		out.append(",\"transaction\":null}");
		return out.toString();
	}

	private static String debeziumOp(Operation operation) {
		return switch (operation) {
			case INSERT -> "c";
			case UPDATE -> "u";
			case DELETE -> "d";
			case SNAPSHOT -> "r";
			case TRUNCATE -> "t";
		};
	}

}
