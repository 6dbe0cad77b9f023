package dev.pgcdc.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.pgcdc.listener.FailurePolicy;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration properties of the Redis sinks ({@code cdc.redis.*}): Redis Streams per table and command
 * templates that keep a Redis read model in sync.
 *
 * <p>Both write through the application's {@code RedisConnectionFactory} (Lettuce, standalone Redis). A
 * sink exists only when {@code cdc.redis.stream.enabled=true} or a mapping is configured.
 *
 * @author pgcdc
 */
@ConfigurationProperties("cdc.redis")
public class CdcRedisProperties {

	private final Stream stream = new Stream();

	/**
	 * Command templates per table ({@code products}, or {@code [sales.products]} for another schema): lists of
	 * one-line commands under insert, update, delete and snapshot (snapshot defaults to insert), such as
	 * {@code HSET product:{id} {pairs:*}}, each optionally an object with a {@code command} and a SpEL
	 * {@code condition} over {@code #op}, {@code #after} and {@code #before}.
	 */
	private Map<String, Mapping> mappings = new LinkedHashMap<>();

	private final Write write = new Write();

	private final Retry retry = new Retry();

	public Stream getStream() {
		return this.stream;
	}

	public Map<String, Mapping> getMappings() {
		return this.mappings;
	}

	public void setMappings(Map<String, Mapping> mappings) {
		this.mappings = mappings;
	}

	public Write getWrite() {
		return this.write;
	}

	public Retry getRetry() {
		return this.retry;
	}

	/**
	 * The Redis Streams sink: one stream per table, for fan-out to consumer groups.
	 */
	public static class Stream {

		/**
		 * Whether to add every change to a Redis stream of its table.
		 */
		private boolean enabled;

		/**
		 * Tables to stream; empty for every captured table except the outbox table.
		 */
		private List<String> tables = new ArrayList<>();

		/**
		 * Stream key, with the placeholders {schema} and {table}.
		 */
		private String key = "cdc.{schema}.{table}";

		/**
		 * Entry layout: native (fields op, table, lsn, commit_lsn, commit_time, xid, before, after) or debezium
		 * (what Debezium Server's Redis sink writes).
		 */
		private String format = "native";

		/**
		 * Approximate number of entries a stream is trimmed to on each add (XADD MAXLEN ~); 0 for no trimming.
		 */
		private long maxLength = 100_000;

		/**
		 * With format debezium: compact (one field named by the key JSON holding the value JSON, Debezium's
		 * default) or extended (fields key and value).
		 */
		private String debeziumMessageFormat = "compact";

		/**
		 * With format debezium: how numeric, decimal and money values are written, as Debezium's
		 * decimal.handling.mode: precise (Kafka Connect Decimal, base64 of the unscaled bytes; VariableScaleDecimal
		 * {scale, value} for numeric without a scale), double (a JSON number) or string.
		 */
		private String decimalHandling = "precise";

		/**
		 * With format debezium: how date, time and timestamp values are written, as Debezium's time.precision.mode:
		 * adaptive (days; milliseconds up to precision 3, microseconds above), adaptive_time_microseconds (time
		 * always in microseconds) or connect (days and milliseconds).
		 */
		private String timePrecision = "adaptive";

		/**
		 * With format debezium: how bytea values are written, as Debezium's binary.handling.mode: bytes (base64,
		 * as the JSON converter writes bytes), base64, base64-url-safe or hex.
		 */
		private String binaryHandling = "bytes";

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public List<String> getTables() {
			return this.tables;
		}

		public void setTables(List<String> tables) {
			this.tables = tables;
		}

		public String getKey() {
			return this.key;
		}

		public void setKey(String key) {
			this.key = key;
		}

		public String getFormat() {
			return this.format;
		}

		public void setFormat(String format) {
			this.format = format;
		}

		public long getMaxLength() {
			return this.maxLength;
		}

		public void setMaxLength(long maxLength) {
			this.maxLength = maxLength;
		}

		public String getDebeziumMessageFormat() {
			return this.debeziumMessageFormat;
		}

		public void setDebeziumMessageFormat(String debeziumMessageFormat) {
			this.debeziumMessageFormat = debeziumMessageFormat;
		}

		public String getDecimalHandling() {
			return this.decimalHandling;
		}

		public void setDecimalHandling(String decimalHandling) {
			this.decimalHandling = decimalHandling;
		}

		public String getTimePrecision() {
			return this.timePrecision;
		}

		public void setTimePrecision(String timePrecision) {
			this.timePrecision = timePrecision;
		}

		public String getBinaryHandling() {
			return this.binaryHandling;
		}

		public void setBinaryHandling(String binaryHandling) {
			this.binaryHandling = binaryHandling;
		}

	}

	/**
	 * The commands one table's changes become, per operation.
	 */
	public static class Mapping {

		/**
		 * Commands for an inserted row.
		 */
		private List<Command> insert = new ArrayList<>();

		/**
		 * Commands for an updated row.
		 */
		private List<Command> update = new ArrayList<>();

		/**
		 * Commands for a deleted row; without REPLICA IDENTITY FULL only key columns are known.
		 */
		private List<Command> delete = new ArrayList<>();

		/**
		 * Commands for a row read by a snapshot; unset means the insert commands.
		 */
		private List<Command> snapshot;

		public List<Command> getInsert() {
			return this.insert;
		}

		public void setInsert(List<Command> insert) {
			this.insert = insert;
		}

		public List<Command> getUpdate() {
			return this.update;
		}

		public void setUpdate(List<Command> update) {
			this.update = update;
		}

		public List<Command> getDelete() {
			return this.delete;
		}

		public void setDelete(List<Command> delete) {
			this.delete = delete;
		}

		public List<Command> getSnapshot() {
			return this.snapshot;
		}

		public void setSnapshot(List<Command> snapshot) {
			this.snapshot = snapshot;
		}

	}

	/**
	 * One mapped command: a one-line string ("SADD active {id}") or an object with command and condition.
	 */
	public static class Command {

		/**
		 * The command template, command name first.
		 */
		private String command;

		/**
		 * SpEL condition over #op, #after and #before; the command runs only when it is true.
		 */
		private String condition;

		public Command() {
		}

		/**
		 * Create a command from its one-line form, so that a plain string in a list binds.
		 * @param command the command template
		 */
		public Command(String command) {
			this.command = command;
		}

		public String getCommand() {
			return this.command;
		}

		public void setCommand(String command) {
			this.command = command;
		}

		public String getCondition() {
			return this.condition;
		}

		public void setCondition(String condition) {
			this.condition = condition;
		}

	}

	/**
	 * How changes are written to Redis.
	 */
	public static class Write {

		/**
		 * Changes sent per pipelined round trip; a transaction is never split between two MULTI/EXEC blocks.
		 */
		private int batchSize = 512;

		/**
		 * How long a batch waits for more transactions before it is sent.
		 */
		private Duration flushInterval = Duration.ofMillis(5);

		/**
		 * Whether to store the last applied commit LSN in Redis, in each transaction's MULTI/EXEC, and skip
		 * transactions at or below it after a crash, so that INCRBY, XADD and PUBLISH are never doubled.
		 */
		private boolean exactlyOnce;

		/**
		 * Key of the exactly-once fence; {slot} is replaced by the slot name.
		 */
		private String fenceKey = "cdc:fence:{slot}";

		/**
		 * How long to wait for Redis to answer before the connection counts as lost and is retried.
		 */
		private Duration timeout = Duration.ofSeconds(10);

		/**
		 * What happens to a transaction Redis refused a command of (WRONGTYPE and the like): dead-letter (store
		 * it in the dead-letter table and go on), stop (stop capturing), or skip (log it and go on).
		 */
		private FailurePolicy failurePolicy = FailurePolicy.DEAD_LETTER;

		/**
		 * Committed transactions held between the dispatcher and the Redis writer.
		 */
		private int queueCapacity = 256;

		public int getBatchSize() {
			return this.batchSize;
		}

		public void setBatchSize(int batchSize) {
			this.batchSize = batchSize;
		}

		public Duration getFlushInterval() {
			return this.flushInterval;
		}

		public void setFlushInterval(Duration flushInterval) {
			this.flushInterval = flushInterval;
		}

		public boolean isExactlyOnce() {
			return this.exactlyOnce;
		}

		public void setExactlyOnce(boolean exactlyOnce) {
			this.exactlyOnce = exactlyOnce;
		}

		public String getFenceKey() {
			return this.fenceKey;
		}

		public void setFenceKey(String fenceKey) {
			this.fenceKey = fenceKey;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public FailurePolicy getFailurePolicy() {
			return this.failurePolicy;
		}

		public void setFailurePolicy(FailurePolicy failurePolicy) {
			this.failurePolicy = failurePolicy;
		}

		public int getQueueCapacity() {
			return this.queueCapacity;
		}

		public void setQueueCapacity(int queueCapacity) {
			this.queueCapacity = queueCapacity;
		}

	}

	/**
	 * Back-off while Redis cannot be reached; retries go on forever, blocking the stream.
	 */
	public static class Retry {

		/**
		 * First wait before reconnecting to Redis.
		 */
		private Duration initialInterval = Duration.ofMillis(200);

		/**
		 * Longest wait before reconnecting to Redis.
		 */
		private Duration maxInterval = Duration.ofSeconds(10);

		public Duration getInitialInterval() {
			return this.initialInterval;
		}

		public void setInitialInterval(Duration initialInterval) {
			this.initialInterval = initialInterval;
		}

		public Duration getMaxInterval() {
			return this.maxInterval;
		}

		public void setMaxInterval(Duration maxInterval) {
			this.maxInterval = maxInterval;
		}

	}

}
