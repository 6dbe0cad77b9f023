package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.ValueConverter;
import dev.pgcdc.replication.StreamMarker.Committed;
import dev.pgcdc.replication.StreamMarker.TransactionBegin;
import dev.pgcdc.replication.types.ValueDecoders;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.postgresql.replication.ReplicationSlotInfo;

/**
 * Reads the initial snapshot: creates the slot exporting its snapshot, reads every published table in that
 * snapshot, and hands the rows over as SNAPSHOT events in chunks; streaming then starts at the slot's
 * consistent point, so no change is missed or doubled.
 *
 * @author pgcdc
 */
final class InitialSnapshot {

	private static final Log logger = LogFactory.getLog(InitialSnapshot.class);

	private final ReplicationSettings settings;

	private final PgConnector connector;

	private final SlotCreator slotCreator;

	private final ValueDecoders decoders;

	private final ValueConverter converter;

	private final InternalTables internalTables;

	private final FlushTracker flushTracker;

	private final RunState run;

	private final BatchHandOver handOver;

	private final Consumer<SnapshotProgress> progressListener;

	InitialSnapshot(EngineParts parts, ValueDecoders decoders, BatchHandOver handOver,
			Consumer<SnapshotProgress> progressListener) {
		this.settings = parts.settings();
		this.connector = parts.connector();
		this.slotCreator = parts.slotCreator();
		this.decoders = decoders;
		this.converter = parts.converter();
		this.internalTables = parts.internalTables();
		this.flushTracker = parts.flushTracker();
		this.run = parts.run();
		this.handOver = handOver;
		this.progressListener = progressListener;
	}

	/**
	 * Read the snapshot and wait until every row of it has been delivered.
	 * @param replication the replication connection to create the slot on
	 * @param temporary whether the slot is temporary ({@code initial-only}: nothing streams afterwards)
	 */
	void read(Connection replication, boolean temporary) throws SQLException {
		String slot = this.settings.slotName();
		this.run.state(EngineState.SNAPSHOTTING);
		SnapshotState snapshotState = new SnapshotState(this.connector);
		if (!temporary) {
			dropLeftoverSlot(slot);
			snapshotState.running(slot);
		}
		ReplicationSlotInfo info = this.slotCreator.create(replication, temporary);
		Lsn consistentPoint = new Lsn(info.getConsistentPoint().asLong());
		SnapshotProgress progress = new SnapshotProgress();
		this.progressListener.accept(progress);
		logger.info("Created slot '" + slot + "' at " + consistentPoint + "; reading a snapshot of publication '"
				+ this.settings.publicationName() + "'");
		SnapshotBatches batches = new SnapshotBatches(consistentPoint);
		try (Connection reader = this.connector.openSnapshot()) {
			new SnapshotReader(this.decoders, this.converter, this.settings.snapshotFetchSize(),
					this.internalTables.or(this.settings.optInMatcher())).read(reader,
					info.getSnapshotName(), this.settings.publicationName(), consistentPoint, batches, progress);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new SQLException("Interrupted while reading the snapshot", ex);
		}
		batches.finish();
		logger.info("Snapshot of slot '" + slot + "' read: " + progress.rowsDone() + " rows in "
				+ Duration.between(progress.startedAt(), progress.finishedAt()).toMillis() + " ms");
		// done means delivered: a snapshot marked done while rows still wait in the queue could lose them
		while (this.flushTracker.flushable().compareTo(consistentPoint) < 0) {
			if (!this.run.sleep(100)) {
				throw new SQLException("Stopped before the snapshot was delivered; it is read again on the next start");
			}
		}
		if (!temporary) {
			snapshotState.done(slot);
		}
	}

	/** A slot left by a snapshot attempt that failed in this run: its snapshot is gone, so start over. */
	private void dropLeftoverSlot(String slot) throws SQLException {
		try (Connection connection = this.connector.open(); PreparedStatement statement = connection.prepareStatement(
				"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ? AND NOT active")) {
			statement.setString(1, slot);
			statement.execute();
		}
	}

	/**
	 * Hands snapshot rows to the queue as pseudo-transactions of {@link SnapshotReader#CHUNK_ROWS} rows, with
	 * no position to confirm, and a last marker at the consistent point once all rows are queued.
	 */
	private final class SnapshotBatches implements SnapshotReader.Sink {

		private final Lsn consistentPoint;

		private final Instant snapshotTime = Instant.now();

		private EventBatch batch = new EventBatch(BatchHandOver.BATCH_ITEMS);

		private boolean inChunk;

		SnapshotBatches(Lsn consistentPoint) {
			this.consistentPoint = consistentPoint;
		}

		@Override
		public void row(dev.pgcdc.event.ChangeEvent event, int bytes) throws SQLException {
			if (!this.inChunk) {
				add(new TransactionBegin(), 0);
				this.inChunk = true;
			}
			add(event, bytes);
		}

		@Override
		public void chunkDone() throws SQLException {
			add(new Committed(new TransactionCommit(0, this.consistentPoint, Lsn.ZERO, this.snapshotTime)), 0);
			this.inChunk = false;
			flush();
		}

		void finish() throws SQLException {
			add(new Committed(new TransactionCommit(0, this.consistentPoint, this.consistentPoint, this.snapshotTime)),
					0);
			flush();
		}

		private void add(dev.pgcdc.event.ChangeEvent event, int bytes) throws SQLException {
			add(new StreamItem.Change(event), bytes);
		}

		private void add(StreamItem item, int bytes) throws SQLException {
			this.batch.add(item, bytes);
			if (this.batch.isFull() || this.batch.bytes() >= BatchHandOver.BATCH_BYTES) {
				flush();
			}
		}

		/** A snapshot cut short must never count as done: stopping aborts it. */
		private void flush() throws SQLException {
			EventBatch next = InitialSnapshot.this.handOver.handOver(null, this.batch);
			if (next == null) {
				throw new SQLException("Stopped during the snapshot; it is read again on the next start");
			}
			this.batch = next;
		}

	}

}
