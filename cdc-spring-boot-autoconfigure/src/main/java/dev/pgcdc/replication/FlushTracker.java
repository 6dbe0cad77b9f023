package dev.pgcdc.replication;

import java.util.concurrent.atomic.AtomicLong;

import dev.pgcdc.event.Lsn;

/**
 * Holds the WAL position up to which every transaction has been fully handled, the only position the
 * engine may confirm to the server as flushed.
 *
 * <p>Only ever moves forward; written by the dispatcher, read by the reader when it reports status.
 *
 * @author pgcdc
 */
final class FlushTracker {

	private final AtomicLong flushable = new AtomicLong();

	void completed(Lsn endLsn) {
		this.flushable.accumulateAndGet(endLsn.value(),
				(current, next) -> Long.compareUnsigned(next, current) > 0 ? next : current);
	}

	Lsn flushable() {
		return new Lsn(this.flushable.get());
	}

}
