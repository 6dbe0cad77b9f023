package dev.pgcdc.replication;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything the {@link ReplicationEngine} needs to know, independent of how it was configured.
 *
 * <p>Build one with {@link #builder(ConnectionSettings, String, String)}; every setting but the connection,
 * the slot and the publication has the default of the Spring Boot properties.
 *
 * @param connection where to connect
 * @param slotName the logical replication slot
 * @param createSlot whether to create the slot when it is missing
 * @param temporarySlot whether a created slot is temporary (dropped when the connection ends)
 * @param publicationName the publication to stream
 * @param createPublication whether to create the publication and keep its table list in line
 * @param tables the captured tables ({@code schema.table}); empty for every table
 * @param statusInterval how often the client reports its position to the server
 * @param heartbeatInterval how often a heartbeat message is written; zero turns heartbeats off
 * @param reconnectInitialInterval first wait before reconnecting
 * @param reconnectMaxInterval longest wait before reconnecting
 * @param queueCapacity most events held between the reader and the dispatcher
 * @param queueMaxBytes most bytes of WAL data held between the reader and the dispatcher
 * @param snapshotMode when to read a snapshot of the tables
 * @param snapshotFetchSize rows fetched per round trip while reading a snapshot
 * @param internalTables tables of pgcdc's own (dead letters, ...) whose changes are never delivered; a bare
 * name matches the table in any schema
 * @param optInTables tables delivered only to consumers that name them (the outbox table): never snapshotted,
 * skipped by consumers that capture "every table"; a bare name matches the table in any schema
 * @param origin which changes to stream by their replication origin; {@link OriginFilter#NONE} needs
 * PostgreSQL 16
 * @param failoverSlot whether a created permanent slot is a failover slot (PostgreSQL 17 and later; ignored
 * before)
 * @param memoryMaxBytes the most bytes all buffers of changes hold together (see {@link MemoryBudget}); zero
 * or less for the default, a quarter of the heap
 * @param spillDirectory where transactions too large for memory are spilled; {@code null} for the JVM's
 * temporary directory
 * @param streamInProgress whether the server may stream large transactions before they commit
 * ({@code streaming} with protocol version 2): they are then kept in a file of
 * their own on this side instead of being spilled by the server and decoded only after their commit
 * @author pgcdc
 */
public record ReplicationSettings(ConnectionSettings connection, String slotName, boolean createSlot,
		boolean temporarySlot, String publicationName, boolean createPublication, List<String> tables,
		Duration statusInterval, Duration heartbeatInterval, Duration reconnectInitialInterval,
		Duration reconnectMaxInterval, int queueCapacity, long queueMaxBytes, SnapshotMode snapshotMode,
		int snapshotFetchSize, List<String> internalTables, List<String> optInTables, OriginFilter origin,
		boolean failoverSlot, long memoryMaxBytes, java.nio.file.Path spillDirectory, boolean streamInProgress) {

	/** The memory budget's default share of the heap. */
	private static final int DEFAULT_HEAP_DIVISOR = 4;

	/** The smallest default budget, whatever the heap. */
	private static final long MIN_DEFAULT_MEMORY = 16L * 1024 * 1024;

	public ReplicationSettings {
		Objects.requireNonNull(connection, "connection must not be null");
		Objects.requireNonNull(slotName, "slotName must not be null");
		Objects.requireNonNull(publicationName, "publicationName must not be null");
		tables = (tables != null) ? List.copyOf(tables) : List.of();
		snapshotMode = (snapshotMode != null) ? snapshotMode : SnapshotMode.NEVER;
		internalTables = (internalTables != null) ? List.copyOf(internalTables) : List.of();
		optInTables = (optInTables != null) ? List.copyOf(optInTables) : List.of();
		origin = (origin != null) ? origin : OriginFilter.ANY;
		if (memoryMaxBytes <= 0) {
			memoryMaxBytes = defaultMemoryMaxBytes();
		}
		if (spillDirectory == null) {
			spillDirectory = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
		}
	}

	/**
	 * Return the default memory budget: a quarter of the maximum heap, at least 16 MB.
	 * @return the default in bytes
	 */
	public static long defaultMemoryMaxBytes() {
		return Math.max(MIN_DEFAULT_MEMORY, Runtime.getRuntime().maxMemory() / DEFAULT_HEAP_DIVISOR);
	}

	/**
	 * Return whether a table's changes go only to consumers that ask for it by name, such as the outbox
	 * table; a consumer that takes "every table" must skip it.
	 * @param table the table
	 * @return whether the table is opt-in only
	 */
	public boolean isOptIn(dev.pgcdc.event.TableId table) {
		return optInMatcher().test(table);
	}

	/**
	 * Return a matcher of the opt-in tables, to keep rather than calling {@link #isOptIn} per event.
	 * @return the matcher
	 */
	public java.util.function.Predicate<dev.pgcdc.event.TableId> optInMatcher() {
		return new InternalTables(this.optInTables);
	}

	/**
	 * Start building settings.
	 * @param connection where to connect
	 * @param slotName the slot name
	 * @param publicationName the publication name
	 * @return a builder with the defaults
	 */
	public static Builder builder(ConnectionSettings connection, String slotName, String publicationName) {
		return new Builder(connection, slotName, publicationName);
	}

	/**
	 * Return settings with defaults for everything but the connection, for tests and plain Java use.
	 * @param connection where to connect
	 * @param slotName the slot name
	 * @param publicationName the publication name
	 * @return default settings
	 */
	public static ReplicationSettings defaults(ConnectionSettings connection, String slotName, String publicationName) {
		return builder(connection, slotName, publicationName).build();
	}

	/**
	 * Return a builder holding these settings.
	 * @return a builder to derive other settings from
	 */
	public Builder toBuilder() {
		return new Builder(this);
	}

	public ReplicationSettings withTables(List<String> tables) {
		return toBuilder().tables(tables).build();
	}

	public ReplicationSettings withIntervals(Duration statusInterval, Duration heartbeatInterval) {
		return toBuilder().statusInterval(statusInterval).heartbeatInterval(heartbeatInterval).build();
	}

	public ReplicationSettings withCreation(boolean createSlot, boolean temporarySlot, boolean createPublication) {
		return toBuilder().createSlot(createSlot).temporarySlot(temporarySlot).createPublication(createPublication)
			.build();
	}

	public ReplicationSettings withQueue(int queueCapacity, long queueMaxBytes) {
		return toBuilder().queue(queueCapacity, queueMaxBytes).build();
	}

	/**
	 * Builds {@link ReplicationSettings}.
	 */
	public static final class Builder {

		private final ConnectionSettings connection;

		private final String slotName;

		private final String publicationName;

		private boolean createSlot = true;

		private boolean temporarySlot;

		private boolean createPublication = true;

		private List<String> tables = List.of();

		private Duration statusInterval = Duration.ofSeconds(10);

		private Duration heartbeatInterval = Duration.ofMinutes(1);

		private Duration reconnectInitialInterval = Duration.ofSeconds(1);

		private Duration reconnectMaxInterval = Duration.ofSeconds(30);

		private int queueCapacity = 8192;

		private long queueMaxBytes = 64L * 1024 * 1024;

		private SnapshotMode snapshotMode = SnapshotMode.NEVER;

		private int snapshotFetchSize = 10_000;

		private List<String> internalTables = List.of();

		private List<String> optInTables = List.of();

		private OriginFilter origin = OriginFilter.ANY;
		private long memoryMaxBytes;

		private java.nio.file.Path spillDirectory;
		private boolean failoverSlot = true;

		private boolean streamInProgress = true;

		private Builder(ConnectionSettings connection, String slotName, String publicationName) {
			this.connection = connection;
			this.slotName = slotName;
			this.publicationName = publicationName;
		}

		private Builder(ReplicationSettings settings) {
			this(settings.connection, settings.slotName, settings.publicationName);
			this.createSlot = settings.createSlot;
			this.temporarySlot = settings.temporarySlot;
			this.createPublication = settings.createPublication;
			this.tables = settings.tables;
			this.statusInterval = settings.statusInterval;
			this.heartbeatInterval = settings.heartbeatInterval;
			this.reconnectInitialInterval = settings.reconnectInitialInterval;
			this.reconnectMaxInterval = settings.reconnectMaxInterval;
			this.queueCapacity = settings.queueCapacity;
			this.queueMaxBytes = settings.queueMaxBytes;
			this.snapshotMode = settings.snapshotMode;
			this.snapshotFetchSize = settings.snapshotFetchSize;
			this.internalTables = settings.internalTables;
			this.optInTables = settings.optInTables;
			this.origin = settings.origin;
			this.memoryMaxBytes = settings.memoryMaxBytes;
			this.spillDirectory = settings.spillDirectory;
			this.failoverSlot = settings.failoverSlot;
			this.streamInProgress = settings.streamInProgress;
		}

		public Builder createSlot(boolean createSlot) {
			this.createSlot = createSlot;
			return this;
		}

		public Builder temporarySlot(boolean temporarySlot) {
			this.temporarySlot = temporarySlot;
			return this;
		}

		public Builder createPublication(boolean createPublication) {
			this.createPublication = createPublication;
			return this;
		}

		public Builder tables(List<String> tables) {
			this.tables = tables;
			return this;
		}

		public Builder statusInterval(Duration statusInterval) {
			this.statusInterval = statusInterval;
			return this;
		}

		public Builder heartbeatInterval(Duration heartbeatInterval) {
			this.heartbeatInterval = heartbeatInterval;
			return this;
		}

		public Builder reconnect(Duration initialInterval, Duration maxInterval) {
			this.reconnectInitialInterval = initialInterval;
			this.reconnectMaxInterval = maxInterval;
			return this;
		}

		public Builder queue(int capacity, long maxBytes) {
			this.queueCapacity = capacity;
			this.queueMaxBytes = maxBytes;
			return this;
		}

		public Builder snapshot(SnapshotMode mode, int fetchSize) {
			this.snapshotMode = mode;
			this.snapshotFetchSize = fetchSize;
			return this;
		}

		public Builder internalTables(List<String> internalTables) {
			this.internalTables = internalTables;
			return this;
		}

		public Builder optInTables(List<String> optInTables) {
			this.optInTables = optInTables;
			return this;
		}

		public Builder failoverSlot(boolean failoverSlot) {
			this.failoverSlot = failoverSlot;
			return this;
		}

		public Builder streamInProgress(boolean streamInProgress) {
			this.streamInProgress = streamInProgress;
			return this;
		}

		public Builder origin(OriginFilter origin) {
			this.origin = origin;
			return this;
		}

		public Builder memory(long maxBytes, java.nio.file.Path spillDirectory) {
			this.memoryMaxBytes = maxBytes;
			this.spillDirectory = spillDirectory;
			return this;
		}

		public ReplicationSettings build() {
			return new ReplicationSettings(this.connection, this.slotName, this.createSlot, this.temporarySlot,
					this.publicationName, this.createPublication, this.tables, this.statusInterval,
					this.heartbeatInterval, this.reconnectInitialInterval, this.reconnectMaxInterval, this.queueCapacity,
					this.queueMaxBytes, this.snapshotMode, this.snapshotFetchSize, this.internalTables,
					this.optInTables, this.origin, this.failoverSlot,
					this.memoryMaxBytes, this.spillDirectory, this.streamInProgress);
		}

	}

}
