package dev.pgcdc.replication;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import dev.pgcdc.event.Lsn;
import dev.pgcdc.replication.ChangeConsumer.CompletedPosition;

/**
 * Holds the WAL position up to which every transaction has been fully handled, the only position the
 * engine may confirm to the server as flushed: the dispatcher's own progress, held back by any
 * asynchronous consumer that is further behind.
 *
 * <p>Only ever moves forward; written by the dispatcher, read by the reader when it reports status.
 *
 * @author pgcdc
 */
final class FlushTracker {

	private final AtomicLong dispatched = new AtomicLong();

	private final List<CompletedPosition> asynchronous;

	FlushTracker(List<CompletedPosition> asynchronous) {
		this.asynchronous = List.copyOf(asynchronous);
	}

	void completed(Lsn endLsn) {
		this.dispatched.accumulateAndGet(endLsn.value(),
				(current, next) -> Long.compareUnsigned(next, current) > 0 ? next : current);
	}

	Lsn flushable() {
		long lowest = this.dispatched.get();
		for (CompletedPosition position : this.asynchronous) {
			long completed = position.completed().value();
			if (Long.compareUnsigned(completed, lowest) < 0) {
				lowest = completed;
			}
		}
		return new Lsn(lowest);
	}

}
