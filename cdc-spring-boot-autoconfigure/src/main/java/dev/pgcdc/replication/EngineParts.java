package dev.pgcdc.replication;

import dev.pgcdc.event.ValueConverter;

/**
 * The parts of a {@link ReplicationEngine} its reader and snapshot work with, the same for every run.
 *
 * @author pgcdc
 */
record EngineParts(ReplicationSettings settings, PgConnector connector, RunState run, ReaderActivity activity,
		PositionAcknowledger acknowledger, FlushTracker flushTracker, TransactionContinuation continuation,
		ResnapshotCoordinator resnapshots, StreamStatistics statistics, ValueConverter converter,
		InternalTables internalTables, SlotCreator slotCreator, DeliveryGate gate) {
}
