package dev.pgcdc.replication;

import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.replication.StreamMarker.StreamReset;
import org.postgresql.replication.PGReplicationStream;

/**
 * Puts the reader's batches on the queue to the dispatcher: waits for room while keeping the server
 * informed, so that a slow consumer makes the reader wait instead of the server timing the connection out.
 *
 * @author pgcdc
 */
final class BatchHandOver {

	/** How many items a batch holds at the most. */
	static final int BATCH_ITEMS = 256;

	/** How many bytes of messages a batch holds before it is handed over. */
	static final long BATCH_BYTES = 1024 * 1024;

	private static final long HAND_OVER_WAIT_MILLIS = 200;

	private final EventQueue queue;

	private final RunState run;

	private final ReaderActivity activity;

	private final PositionAcknowledger acknowledger;

	private final TransactionContinuation continuation;

	private final long statusNanos;

	private final DeliveryGate gate;

	BatchHandOver(EventQueue queue, RunState run, ReaderActivity activity, PositionAcknowledger acknowledger,
			TransactionContinuation continuation, ReplicationSettings settings, DeliveryGate gate) {
		this.gate = gate;
		this.queue = queue;
		this.run = run;
		this.activity = activity;
		this.acknowledger = acknowledger;
		this.continuation = continuation;
		this.statusNanos = settings.statusInterval().toNanos();
	}

	/**
	 * Queue a batch. Returns a new batch to fill, or {@code null} when the engine is stopping and the batch
	 * was not queued.
	 * @param stream the stream to keep informed while waiting, or {@code null}
	 */
	EventBatch handOver(PGReplicationStream stream, EventBatch batch) throws SQLException {
		if (!this.run.running()) {
			return null;
		}
		if (batch.isEmpty()) {
			return batch;
		}
		long lastStatus = System.nanoTime();
		batch.epoch(this.gate.epoch());
		try {
			while (!this.queue.offer(batch, HAND_OVER_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
				if (!this.run.running()) {
					return null;
				}
				this.activity.progressed();
				if (stream != null && System.nanoTime() - lastStatus >= this.statusNanos) {
					this.acknowledger.acknowledge(stream, true);
					lastStatus = System.nanoTime();
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new SQLException("Interrupted while handing events to the dispatcher", ex);
		}
		this.continuation.handedOver();
		return new EventBatch(BATCH_ITEMS);
	}

	/** Tell the consumers to drop the part of a transaction cut off by a lost connection. */
	void queueReset() {
		EventBatch reset = resetBatch();
		reset.epoch(this.gate.epoch());
		// never waits for room: the dispatcher holds at the gate the lost connection closed, with a full queue
		this.queue.offerLastAnyway(reset);
	}

	/**
	 * Another instance took the slot over: drop everything queued (the gate has voided it already) and
	 * queue a reset, so that whatever a consumer holds of an unfinished transaction goes too.
	 */
	void abandonQueued() {
		this.queue.clear();
		this.continuation.abandon();
		EventBatch reset = resetBatch();
		reset.epoch(this.gate.epoch());
		this.queue.offerFirst(reset);
	}

	static EventBatch resetBatch() {
		EventBatch reset = new EventBatch(1);
		reset.add(new StreamReset(), 0);
		return reset;
	}

}
