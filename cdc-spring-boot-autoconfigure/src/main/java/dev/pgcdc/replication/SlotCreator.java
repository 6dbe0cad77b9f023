package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.SQLException;

import org.postgresql.replication.ReplicationSlotInfo;

/**
 * Creates the logical slot on the replication connection, where the engine must create it itself: for an
 * initial snapshot (the slot exports the snapshot the tables are read in) and for a temporary slot (it
 * lives as long as that connection). The one place that says how the engine's slots are made.
 *
 * @author pgcdc
 */
final class SlotCreator {

	private final FailoverSlots slots;

	SlotCreator(ReplicationSettings settings) {
		this.slots = new FailoverSlots(settings);
	}

	/**
	 * Create the slot with the {@code pgoutput} plugin.
	 * @param replication a replication connection; the slot's exported snapshot lives until its next command
	 * @param temporary whether the slot is dropped when the connection ends
	 * @return the slot's consistent point and exported snapshot
	 */
	ReplicationSlotInfo create(Connection replication, boolean temporary) throws SQLException {
		// a permanent slot is a failover slot where the server has them (cdc.slot.failover)
		return this.slots.createExportingSnapshot(replication, temporary);
	}

}
