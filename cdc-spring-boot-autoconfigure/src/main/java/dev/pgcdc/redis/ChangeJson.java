package dev.pgcdc.redis;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Row;

/**
 * The JSON forms of a change that the sinks write: the row images, the native event object and the
 * Debezium key and change event envelope (JSON converter, schemas off), so that a Redis stream entry and a
 * RabbitMQ message of the same change carry the same JSON.
 *
 * @author pgcdc
 */
public final class ChangeJson {

	private ChangeJson() {
	}

	/**
	 * Write column values as a JSON object, in their order.
	 * @param values the values
	 * @return the JSON object
	 */
	public static String object(Map<String, ?> values) {
		StringBuilder out = new StringBuilder(128);
		RedisValues.appendJsonObject(out, values);
		return out.toString();
	}

	/**
	 * Write a change as the native JSON object: {@code op}, {@code table}, {@code lsn},
	 * {@code commit_lsn}, {@code commit_time}, {@code xid} and, where the change has them, {@code before}
	 * and {@code after}.
	 * @param event the change
	 * @return the JSON object
	 */
	public static String nativeEvent(ChangeEvent event) {
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

	/**
	 * Write the Debezium key of a change: its key columns as a JSON object.
	 * @param event the change
	 * @return the JSON object
	 */
	public static String debeziumKey(ChangeEvent event) {
		Row row = event.row();
		Map<String, Object> key = new LinkedHashMap<>();
		if (row != null) {
			for (String column : row.keyColumns()) {
				key.put(column, row.get(column));
			}
		}
		return object(key);
	}

	/**
	 * Write the Debezium change event envelope of a change.
	 * @param event the change
	 * @param sourceName the name in {@code source.name} (the slot)
	 * @param database the name in {@code source.db}
	 * @return the JSON object
	 */
	public static String debeziumValue(ChangeEvent event, String sourceName, String database) {
		StringBuilder out = new StringBuilder(256);
		out.append("{\"before\":");
		RedisValues.appendJson(out, (event.before() != null) ? event.before().toMap() : null);
		out.append(",\"after\":");
		RedisValues.appendJson(out, (event.after() != null) ? event.after().toMap() : null);
		long commitMillis = event.commitTime().toEpochMilli();
		out.append(",\"source\":{\"version\":\"pgcdc\",\"connector\":\"postgresql\",\"name\":");
		RedisValues.appendJsonString(out, sourceName);
		out.append(",\"ts_ms\":").append(commitMillis);
		out.append(",\"snapshot\":\"").append(event.operation() == Operation.SNAPSHOT).append('"');
		out.append(",\"db\":");
		RedisValues.appendJsonString(out, database);
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
