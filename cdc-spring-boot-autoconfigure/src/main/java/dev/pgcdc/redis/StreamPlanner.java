package dev.pgcdc.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.TableId;

/**
 * The Redis Streams sink: one {@code XADD} per change to the table's stream, trimmed to about
 * {@code max-length} entries ({@code MAXLEN ~}).
 *
 * <p>Entry layouts: {@code native} has the fields {@code op}, {@code table}, {@code lsn},
 * {@code commit_lsn}, {@code commit_time}, {@code xid} and, where the change has them, {@code before} and
 * {@code after} as JSON objects. {@code debezium} writes what Debezium Server's Redis sink writes with the
 * JSON converter and schemas off: with {@code compact} one field whose name is the key JSON and whose
 * value is the change event envelope; with {@code extended} the fields {@code key} and {@code value}. Its
 * values are encoded as Debezium encodes them ({@link DebeziumValueEncoder}) and its key holds the primary
 * key columns; {@link ChangeEventJson} renders both, for other sinks too.
 *
 * @author pgcdc
 */
final class StreamPlanner implements ChangePlanner {

	static final String NATIVE = "native";

	static final String DEBEZIUM = "debezium";

	private static final byte[] MAXLEN = RedisValues.bytes("MAXLEN");

	private static final byte[] APPROXIMATELY = RedisValues.bytes("~");

	private static final byte[] AUTO_ID = RedisValues.bytes("*");

	private static final byte[] KEY = RedisValues.bytes("key");

	private static final byte[] VALUE = RedisValues.bytes("value");

	private static final byte[] OP = RedisValues.bytes("op");

	private static final byte[] TABLE = RedisValues.bytes("table");

	private static final byte[] LSN = RedisValues.bytes("lsn");

	private static final byte[] COMMIT_LSN = RedisValues.bytes("commit_lsn");

	private static final byte[] COMMIT_TIME = RedisValues.bytes("commit_time");

	private static final byte[] XID = RedisValues.bytes("xid");

	private static final byte[] BEFORE = RedisValues.bytes("before");

	private static final byte[] AFTER = RedisValues.bytes("after");

	private static final String ORIGIN = "cdc.redis.stream";

	private static final String PROPERTIES = "cdc.redis.stream";

	private final StreamSpec spec;

	private final Predicate<TableId> tables;

	private final ChangeEventJson json;

	private final boolean debezium;

	private final boolean extended;

	/** The {@code MAXLEN} count as sent, or {@code null} for no trimming. */
	private final byte[] maxLength;

	private final Map<TableId, byte[]> keys = new ConcurrentHashMap<>();

	private StreamPlanner(StreamSpec spec, Predicate<TableId> tables, ChangeEventJson json) {
		this.spec = spec;
		this.tables = tables;
		this.json = json;
		this.debezium = json.isDebezium();
		this.extended = "extended".equals(spec.debeziumMessageFormat().toLowerCase(Locale.ROOT));
		this.maxLength = (spec.maxLength() > 0) ? RedisValues.bytes(Long.toString(spec.maxLength())) : null;
	}

	/**
	 * Create the planner, checking the configuration.
	 * @param spec the configuration
	 * @param optIn tells the opt-in tables (the outbox) that "every table" leaves out
	 * @param captured tells whether the publication captures a table
	 * @param sourceName the name Debezium entries carry in {@code source.name} (the slot)
	 * @param database the database name for Debezium entries
	 * @return the planner
	 * @throws IllegalStateException naming the property and the fix
	 */
	static StreamPlanner create(StreamSpec spec, Predicate<TableId> optIn, Predicate<TableId> captured,
			String sourceName, String database) {
		return create(spec, optIn, captured, sourceName, database, null);
	}

	/**
	 * Create the planner, checking the configuration.
	 * @param spec the configuration
	 * @param optIn tells the opt-in tables (the outbox) that "every table" leaves out
	 * @param captured tells whether the publication captures a table
	 * @param sourceName the name Debezium entries carry in {@code source.name} (the slot)
	 * @param database the database name for Debezium entries
	 * @param primaryKeys the primary key of a table for Debezium keys ({@code null} answers: the row's identity),
	 * or {@code null} to key by the row's identity columns
	 * @return the planner
	 * @throws IllegalStateException naming the property and the fix
	 */
	static StreamPlanner create(StreamSpec spec, Predicate<TableId> optIn, Predicate<TableId> captured,
			String sourceName, String database, Function<TableId, List<String>> primaryKeys) {
		DebeziumValueEncoder values = DebeziumValueEncoder.of(PROPERTIES, spec.decimalHandling(), spec.timePrecision(),
				spec.binaryHandling());
		ChangeEventJson json = ChangeEventJson.forFormat(spec.format(), PROPERTIES + ".format", values, sourceName,
				database);
		String layout = (spec.debeziumMessageFormat() != null) ? spec.debeziumMessageFormat().toLowerCase(Locale.ROOT) : "";
		if (!layout.equals("compact") && !layout.equals("extended")) {
			throw new IllegalStateException("cdc.redis.stream.debezium-message-format is '" + spec.debeziumMessageFormat()
					+ "'; use compact or extended");
		}
		if (spec.keyPattern() == null || spec.keyPattern().isBlank()) {
			throw new IllegalStateException("cdc.redis.stream.key is empty; use a pattern such as cdc.{schema}.{table}");
		}
		Predicate<TableId> tables;
		if (spec.tables().isEmpty()) {
			tables = optIn.negate();
		}
		else {
			Set<TableId> listed = spec.tables().stream().map(TableId::parse).collect(Collectors.toSet());
			for (TableId table : listed) {
				if (!captured.test(table)) {
					throw new IllegalStateException("cdc.redis.stream.tables lists " + table + ", which is not captured: "
							+ "add it to cdc.publication.tables");
				}
			}
			tables = listed::contains;
		}
		return new StreamPlanner(spec, tables, json.withPrimaryKeys(primaryKeys));
	}

	@Override
	public boolean handles(TableId table) {
		return this.tables.test(table);
	}

	@Override
	public void plan(ChangeEvent event, List<RedisCommand> commands) {
		if (!this.tables.test(event.table())) {
			return;
		}
		List<byte[]> args = new ArrayList<>(20);
		args.add(this.keys.computeIfAbsent(event.table(),
				(table) -> RedisValues.bytes(streamKey(this.spec.keyPattern(), table.schema(), table.name()))));
		if (this.maxLength != null) {
			args.add(MAXLEN);
			args.add(APPROXIMATELY);
			args.add(this.maxLength);
		}
		args.add(AUTO_ID);
		if (this.debezium) {
			String key = this.json.key(event);
			String value = this.json.body(event);
			if (this.extended) {
				add(args, KEY, key);
				add(args, VALUE, value);
			}
			else {
				add(args, RedisValues.bytes(key), value);
			}
		}
		else {
			add(args, OP, CommandTemplate.operationName(event.operation()));
			add(args, TABLE, event.table().toString());
			add(args, LSN, event.lsn().toString());
			add(args, COMMIT_LSN, event.commitLsn().toString());
			add(args, COMMIT_TIME, event.commitTime().toString());
			add(args, XID, Long.toString(event.xid()));
			if (event.before() != null) {
				add(args, BEFORE, ChangeEventJson.nativeRow(event.before()));
			}
			if (event.after() != null) {
				add(args, AFTER, ChangeEventJson.nativeRow(event.after()));
			}
		}
		commands.add(new RedisCommand("XADD", args.toArray(new byte[0][]), ORIGIN));
	}

	private static void add(List<byte[]> args, byte[] field, String value) {
		args.add(field);
		args.add(RedisValues.bytes(value));
	}


	/**
	 * Return a table's stream key: {@code {schema}} and {@code {table}} replaced, {@code {{} and {@code }}}
	 * written as single braces (a Redis Cluster hash tag: {@code cdc.{{{table}}}} is {@code cdc.{orders}}).
	 * @param pattern the key pattern
	 * @param schema the table's schema
	 * @param table the table's name
	 * @return the key
	 */
	static String streamKey(String pattern, String schema, String table) {
		StringBuilder key = new StringBuilder(pattern.length() + 16);
		int i = 0;
		while (i < pattern.length()) {
			char c = pattern.charAt(i);
			if ((c == '{' || c == '}') && i + 1 < pattern.length() && pattern.charAt(i + 1) == c) {
				key.append(c);
				i += 2;
			}
			else if (pattern.startsWith("{schema}", i)) {
				key.append(schema);
				i += 8;
			}
			else if (pattern.startsWith("{table}", i)) {
				key.append(table);
				i += 7;
			}
			else {
				key.append(c);
				i++;
			}
		}
		return key.toString();
	}

}
