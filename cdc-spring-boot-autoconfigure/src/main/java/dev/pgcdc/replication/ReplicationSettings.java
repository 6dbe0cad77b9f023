package dev.pgcdc.replication;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything the {@link ReplicationEngine} needs to know, independent of how it was configured.
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
 * @author pgcdc
 */
public record ReplicationSettings(ConnectionSettings connection, String slotName, boolean createSlot,
		boolean temporarySlot, String publicationName, boolean createPublication, List<String> tables,
		Duration statusInterval, Duration heartbeatInterval, Duration reconnectInitialInterval,
		Duration reconnectMaxInterval, int queueCapacity, long queueMaxBytes) {

	public ReplicationSettings {
		Objects.requireNonNull(connection, "connection must not be null");
		Objects.requireNonNull(slotName, "slotName must not be null");
		Objects.requireNonNull(publicationName, "publicationName must not be null");
		tables = (tables != null) ? List.copyOf(tables) : List.of();
	}

	/**
	 * Return settings with defaults for everything but the connection, for tests and plain Java use.
	 * @param connection where to connect
	 * @param slotName the slot name
	 * @param publicationName the publication name
	 * @return default settings
	 */
	public static ReplicationSettings defaults(ConnectionSettings connection, String slotName, String publicationName) {
		return new ReplicationSettings(connection, slotName, true, false, publicationName, true, List.of(),
				Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofSeconds(1), Duration.ofSeconds(30), 8192,
				64L * 1024 * 1024);
	}

	/**
	 * Return a copy with other captured tables.
	 * @param tables the tables
	 * @return the new settings
	 */
	public ReplicationSettings withTables(List<String> tables) {
		return new ReplicationSettings(this.connection, this.slotName, this.createSlot, this.temporarySlot,
				this.publicationName, this.createPublication, tables, this.statusInterval, this.heartbeatInterval,
				this.reconnectInitialInterval, this.reconnectMaxInterval, this.queueCapacity, this.queueMaxBytes);
	}

	/**
	 * Return a copy with other timings.
	 * @param statusInterval the status interval
	 * @param heartbeatInterval the heartbeat interval
	 * @return the new settings
	 */
	public ReplicationSettings withIntervals(Duration statusInterval, Duration heartbeatInterval) {
		return new ReplicationSettings(this.connection, this.slotName, this.createSlot, this.temporarySlot,
				this.publicationName, this.createPublication, this.tables, statusInterval, heartbeatInterval,
				this.reconnectInitialInterval, this.reconnectMaxInterval, this.queueCapacity, this.queueMaxBytes);
	}

	/**
	 * Return a copy with other slot and publication handling.
	 * @param createSlot whether to create the slot
	 * @param temporarySlot whether it is temporary
	 * @param createPublication whether to create the publication
	 * @return the new settings
	 */
	public ReplicationSettings withCreation(boolean createSlot, boolean temporarySlot, boolean createPublication) {
		return new ReplicationSettings(this.connection, this.slotName, createSlot, temporarySlot, this.publicationName,
				createPublication, this.tables, this.statusInterval, this.heartbeatInterval,
				this.reconnectInitialInterval, this.reconnectMaxInterval, this.queueCapacity, this.queueMaxBytes);
	}

	/**
	 * Return a copy with another queue bound.
	 * @param queueCapacity most events
	 * @param queueMaxBytes most bytes
	 * @return the new settings
	 */
	public ReplicationSettings withQueue(int queueCapacity, long queueMaxBytes) {
		return new ReplicationSettings(this.connection, this.slotName, this.createSlot, this.temporarySlot,
				this.publicationName, this.createPublication, this.tables, this.statusInterval, this.heartbeatInterval,
				this.reconnectInitialInterval, this.reconnectMaxInterval, queueCapacity, queueMaxBytes);
	}

}
