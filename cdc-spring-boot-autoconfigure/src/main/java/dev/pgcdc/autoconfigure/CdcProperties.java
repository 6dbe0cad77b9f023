package dev.pgcdc.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.pgcdc.replication.OriginFilter;
import dev.pgcdc.replication.SnapshotMode;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.util.unit.DataSize;

/**
 * Configuration properties for change data capture ({@code cdc.*}).
 *
 * <p>Every default works against a local PostgreSQL with {@code wal_level=logical}: the connection falls
 * back to {@code spring.datasource.*}, and the slot and the publication ({@code FOR ALL TABLES}) are
 * created on first start.
 *
 * @author pgcdc
 */
@ConfigurationProperties("cdc")
public class CdcProperties {

	/**
	 * Whether to capture changes at all.
	 */
	private boolean enabled = true;

	/**
	 * How often the client reports its confirmed position to the server.
	 */
	private Duration statusInterval = Duration.ofSeconds(10);

	/**
	 * Which changes to capture by their replication origin: 'any', or 'none' to leave out changes that
	 * logical replication applied from another database (two-way setups; PostgreSQL 16 or later).
	 */
	private OriginFilter origin = OriginFilter.ANY;

	private final Connection connection = new Connection();

	private final Slot slot = new Slot();

	private final Publication publication = new Publication();

	private final Heartbeat heartbeat = new Heartbeat();

	private final Reconnect reconnect = new Reconnect();

	private final Queue queue = new Queue();

	@NestedConfigurationProperty
	private final CdcMemoryProperties memory = new CdcMemoryProperties();

	private final ApplicationEvents applicationEvents = new ApplicationEvents();

	@NestedConfigurationProperty
	private final CdcListenerProperties listener = new CdcListenerProperties();

	private final Health health = new Health();

	private final Snapshot snapshot = new Snapshot();

	@NestedConfigurationProperty
	private final CdcOutboxProperties outbox = new CdcOutboxProperties();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Duration getStatusInterval() {
		return this.statusInterval;
	}

	public void setStatusInterval(Duration statusInterval) {
		this.statusInterval = statusInterval;
	}

	public OriginFilter getOrigin() {
		return this.origin;
	}

	public void setOrigin(OriginFilter origin) {
		this.origin = origin;
	}

	public Connection getConnection() {
		return this.connection;
	}

	public Slot getSlot() {
		return this.slot;
	}

	public Publication getPublication() {
		return this.publication;
	}

	public Heartbeat getHeartbeat() {
		return this.heartbeat;
	}

	public Reconnect getReconnect() {
		return this.reconnect;
	}

	public Queue getQueue() {
		return this.queue;
	}

	public CdcMemoryProperties getMemory() {
		return this.memory;
	}

	public ApplicationEvents getApplicationEvents() {
		return this.applicationEvents;
	}

	public CdcListenerProperties getListener() {
		return this.listener;
	}

	public Health getHealth() {
		return this.health;
	}

	public Snapshot getSnapshot() {
		return this.snapshot;
	}

	public CdcOutboxProperties getOutbox() {
		return this.outbox;
	}

	/**
	 * Reading the rows that existed before capture started.
	 */
	public static class Snapshot {

		/**
		 * When to read a snapshot: never; initial (when the slot is created, then stream exactly from where
		 * the snapshot ends; an interrupted snapshot is redone on the next start); or initial-only (read a
		 * snapshot on a temporary slot and stop).
		 */
		private SnapshotMode mode = SnapshotMode.NEVER;

		/**
		 * Rows fetched per round trip while reading a snapshot; bounds the memory a large table takes.
		 */
		private int fetchSize = 10_000;

		public SnapshotMode getMode() {
			return this.mode;
		}

		public void setMode(SnapshotMode mode) {
			this.mode = mode;
		}

		public int getFetchSize() {
			return this.fetchSize;
		}

		public void setFetchSize(int fetchSize) {
			this.fetchSize = fetchSize;
		}

	}

	/**
	 * Where to read changes from; each unset value falls back to {@code spring.datasource.*}.
	 */
	public static class Connection {

		/**
		 * JDBC URL of the database to capture. Defaults to the application's DataSource URL.
		 */
		private String url;

		/**
		 * Role to connect as; it needs the REPLICATION attribute. Defaults to the DataSource username.
		 */
		private String username;

		/**
		 * Password of the role. Defaults to the DataSource password.
		 */
		private String password;

		public String getUrl() {
			return this.url;
		}

		public void setUrl(String url) {
			this.url = url;
		}

		public String getUsername() {
			return this.username;
		}

		public void setUsername(String username) {
			this.username = username;
		}

		public String getPassword() {
			return this.password;
		}

		public void setPassword(String password) {
			this.password = password;
		}

	}

	/**
	 * The logical replication slot that keeps the position in the WAL.
	 */
	public static class Slot {

		/**
		 * Name of the replication slot: lower-case letters, digits and underscores. Each application
		 * that consumes changes independently needs its own slot.
		 */
		private String name = "cdc";

		/**
		 * Whether to create the slot when it does not exist.
		 */
		private boolean create = true;

		/**
		 * Whether a created slot is temporary: dropped when the connection ends, so changes made while the
		 * application is down are not delivered. For tests and demos only.
		 */
		private boolean temporary = false;

		/**
		 * Whether a created slot is a failover slot (PostgreSQL 17 and later; ignored with an INFO
		 * message before): a standby with sync_replication_slots = on keeps a copy of it, so capture
		 * continues on the new primary after a failover. An existing slot is made one when it is free.
		 */
		private boolean failover = true;

		/**
		 * Whether the server streams large transactions while they are still running (pgoutput protocol
		 * version 2): pgcdc keeps them in a spill file of its own and delivers them
		 * at their commit, which comes seconds sooner for a transaction of millions of rows and spares the
		 * server's disk. The server starts streaming a transaction once it holds more than
		 * logical_decoding_work_mem of changes.
		 */
		private boolean streaming = true;

		public boolean isStreaming() {
			return this.streaming;
		}

		public void setStreaming(boolean streaming) {
			this.streaming = streaming;
		}

		public boolean isFailover() {
			return this.failover;
		}

		public void setFailover(boolean failover) {
			this.failover = failover;
		}

		public String getName() {
			return this.name;
		}

		public void setName(String name) {
			this.name = name;
		}

		public boolean isCreate() {
			return this.create;
		}

		public void setCreate(boolean create) {
			this.create = create;
		}

		public boolean isTemporary() {
			return this.temporary;
		}

		public void setTemporary(boolean temporary) {
			this.temporary = temporary;
		}

	}

	/**
	 * The publication that selects which tables are captured.
	 */
	public static class Publication {

		/**
		 * Name of the publication.
		 */
		private String name = "cdc";

		/**
		 * Whether to create the publication when missing and keep its table list equal to
		 * {@code tables}. Set to false when an administrator manages the publication.
		 */
		private boolean create = true;

		/**
		 * Tables to capture, as "schema.table" or a bare name in schema public. Empty captures every
		 * table (FOR ALL TABLES, which needs a superuser to create).
		 */
		private List<String> tables = new ArrayList<>();

		public String getName() {
			return this.name;
		}

		public void setName(String name) {
			this.name = name;
		}

		public boolean isCreate() {
			return this.create;
		}

		public void setCreate(boolean create) {
			this.create = create;
		}

		public List<String> getTables() {
			return this.tables;
		}

		public void setTables(List<String> tables) {
			this.tables = tables;
		}

	}

	/**
	 * Heartbeat messages that keep an idle slot moving.
	 */
	public static class Heartbeat {

		/**
		 * How often to write a heartbeat message to the WAL, so that the slot's confirmed position keeps up
		 * with the server while the captured tables are idle and WAL is not retained for ever. Also used to
		 * notice a dead connection. 0 turns heartbeats off.
		 */
		private Duration interval = Duration.ofMinutes(1);

		public Duration getInterval() {
			return this.interval;
		}

		public void setInterval(Duration interval) {
			this.interval = interval;
		}

	}

	/**
	 * Reconnection after the replication connection is lost.
	 */
	public static class Reconnect {

		/**
		 * Wait before the first reconnection attempt; doubled after each failure.
		 */
		private Duration initialInterval = Duration.ofSeconds(1);

		/**
		 * Longest wait between reconnection attempts.
		 */
		private Duration maxInterval = Duration.ofSeconds(30);

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

	/**
	 * The buffer between reading the WAL and delivering events. When full, reading waits: a slow consumer
	 * slows the stream instead of growing the heap.
	 */
	public static class Queue {

		/**
		 * Most events held between the reader and the dispatcher.
		 */
		private int capacity = 8192;

		/**
		 * Most WAL data held between the reader and the dispatcher.
		 */
		private DataSize maxBytes = DataSize.ofMegabytes(64);

		public int getCapacity() {
			return this.capacity;
		}

		public void setCapacity(int capacity) {
			this.capacity = capacity;
		}

		public DataSize getMaxBytes() {
			return this.maxBytes;
		}

		public void setMaxBytes(DataSize maxBytes) {
			this.maxBytes = maxBytes;
		}

	}

	/**
	 * Publishing changes as Spring application events.
	 */
	public static class ApplicationEvents {

		/**
		 * Whether to publish every ChangeEvent, TransactionEvent and LogicalMessage through the
		 * ApplicationEventPublisher, for @EventListener methods.
		 */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

	/**
	 * The {@code cdc} health indicator.
	 */
	public static class Health {

		/**
		 * Slot lag (WAL the slot has not confirmed, from the server's current position) above which the
		 * cdc health component is DOWN, also while paused.
		 */
		private DataSize maxLagBytes = DataSize.ofGigabytes(1);

		public DataSize getMaxLagBytes() {
			return this.maxLagBytes;
		}

		public void setMaxLagBytes(DataSize maxLagBytes) {
			this.maxLagBytes = maxLagBytes;
		}

	}

}
