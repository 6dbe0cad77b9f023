package dev.pgcdc.listener.support;

import java.util.concurrent.CountDownLatch;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.TransactionEvent;
import dev.pgcdc.replication.TransactionCommit;

/**
 * What a {@link ListenerContainer} hands its workers: a change, a whole transaction, a message, the commit
 * that ends a transaction, or a TRUNCATE every worker must reach first. Each item hands itself to the
 * worker, so the worker needs no type tests.
 *
 * @author pgcdc
 */
sealed interface ListenerWork {

	/**
	 * Process this item on the worker's thread.
	 * @param worker the worker
	 * @return whether the worker goes on
	 * @throws InterruptedException if the worker is stopping
	 */
	boolean processBy(ListenerWorker worker) throws InterruptedException;

	/** One row change for a row-at-a-time listener. */
	record Change(ChangeEvent event) implements ListenerWork {

		@Override
		public boolean processBy(ListenerWorker worker) throws InterruptedException {
			return worker.deliver(this.event);
		}

	}

	/** A whole transaction, shared with every other consumer; filtered by the worker as it reads it. */
	record Transaction(TransactionEvent transaction) implements ListenerWork {

		@Override
		public boolean processBy(ListenerWorker worker) throws InterruptedException {
			return worker.deliver(this.transaction);
		}

	}

	/** A logical decoding message. */
	record Message(LogicalMessage message) implements ListenerWork {

		@Override
		public boolean processBy(ListenerWorker worker) throws InterruptedException {
			return worker.deliver(this.message);
		}

	}

	/** The end of a transaction: once processed, the worker's completed position passes it. */
	record Commit(TransactionCommit commit) implements ListenerWork {

		@Override
		public boolean processBy(ListenerWorker worker) {
			worker.completed(this.commit);
			return true;
		}

	}

	/** A TRUNCATE every worker must reach before it is delivered, once, by worker 0. */
	final class Barrier implements ListenerWork {

		final ChangeEvent event;

		final CountDownLatch arrived;

		final CountDownLatch done = new CountDownLatch(1);

		Barrier(ChangeEvent event, int parties) {
			this.event = event;
			this.arrived = new CountDownLatch(parties);
		}

		@Override
		public boolean processBy(ListenerWorker worker) throws InterruptedException {
			return worker.barrier(this);
		}

	}

}
