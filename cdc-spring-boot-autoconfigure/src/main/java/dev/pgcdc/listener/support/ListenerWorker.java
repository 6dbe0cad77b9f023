package dev.pgcdc.listener.support;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.TransactionEvent;
import dev.pgcdc.listener.CdcListenerFailure;
import dev.pgcdc.replication.DeliveryGate;
import dev.pgcdc.replication.FilteredChanges;
import dev.pgcdc.replication.MemoryBudget;
import dev.pgcdc.replication.TransactionCommit;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * One thread of a {@link ListenerContainer}, with its own queue of batches: invokes the listener in order,
 * retries failures, applies the failure policy, and reports the end of the last transaction it has
 * completely handled.
 *
 * <p>Queued batches hold memory from the engine's {@link MemoryBudget} until they are processed, so a
 * slow listener makes the dispatcher wait instead of growing the heap.
 *
 * @author pgcdc
 */
final class ListenerWorker implements Runnable {

	private static final Log logger = LogFactory.getLog(ListenerWorker.class);

	/** Items per hand-over: each one may wake the worker, so a no-op listener pays it per row otherwise. */
	static final int BATCH = 256;

	private static final int QUEUED_BATCHES = 16;

	final int index;

	private final ListenerContainer container;

	private final ArrayBlockingQueue<Batch> queue = new ArrayBlockingQueue<>(QUEUED_BATCHES);

	private Batch pending;

	volatile long completed;

	volatile boolean halted;

	Thread thread;

	/** Asked by the delivery gate while it holds delivery; one instance, not one per item. */
	private final java.util.function.BooleanSupplier running;

	ListenerWorker(ListenerContainer container, int index) {
		this.container = container;
		this.index = index;
		this.running = container::isRunning;
		this.pending = new Batch(container.gate().epoch());
	}

	/** Dispatcher side: drop the batch being filled, it was queued before the slot was lost. */
	void abandonPending() {
		this.pending = new Batch(this.container.gate().epoch());
	}

	/** Dispatcher side: add to the batch being filled, handing it over when full. */
	void add(ListenerWork item, long bytes) {
		this.pending.add(item, bytes);
		if (this.pending.size == BATCH) {
			flush();
		}
	}

	/** Dispatcher side: hand the batch over, waiting while the worker is behind or memory is short. */
	void flush() {
		Batch batch = this.pending;
		if (batch.size == 0) {
			return;
		}
		this.pending = new Batch(this.container.gate().epoch());
		MemoryBudget budget = this.container.memory();
		boolean reserved = false;
		boolean queued = false;
		try {
			// backpressure: the dispatcher waits for memory and for this listener, and so does the reader
			while (!reserved && active()) {
				reserved = budget.reserve(batch.bytes, this.queue.isEmpty(), 100, TimeUnit.MILLISECONDS);
			}
			while (reserved && !queued && active()) {
				queued = this.queue.offer(batch, 100, TimeUnit.MILLISECONDS);
			}
		}
		catch (InterruptedException ex) {
			// the engine is stopping and gave up waiting: this batch is dropped, so the worker must not
			// report anything after it as completed
			this.halted = true;
			Thread.currentThread().interrupt();
		}
		finally {
			if (reserved && !queued) {
				budget.release(batch.bytes);
			}
		}
	}

	private boolean active() {
		return !this.halted && this.container.isRunning();
	}

	@Override
	public void run() {
		try {
			while (this.container.isRunning() && !this.halted) {
				Batch batch = this.queue.poll(100, TimeUnit.MILLISECONDS);
				if (batch == null) {
					continue;
				}
				try {
					DeliveryGate gate = this.container.gate();
					for (int i = 0; i < batch.size; i++) {
						// held while the connection is lost; dropped if another instance took the slot over
						if (!gate.await(batch.epoch, this.running)) {
							break;
						}
						if (!batch.items[i].processBy(this)) {
							this.halted = true;
							return;
						}
					}
				}
				finally {
					this.container.memory().release(batch.bytes);
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (Throwable ex) {
			// an Error from a listener must not leave a dead worker whose full queue stalls the stream
			this.halted = true;
			this.container.failureHandler().fail("listener '" + this.container.endpoint().id() + "' threw " + ex
					+ "; nothing from its unfinished transaction is confirmed", ex);
		}
		finally {
			drop();
		}
	}

	/** Give up what is queued: none of it will be processed, so its memory goes back. */
	void drop() {
		Batch batch;
		while ((batch = this.queue.poll()) != null) {
			this.container.memory().release(batch.bytes);
		}
		this.pending = new Batch(this.container.gate().epoch());
	}

	void completed(TransactionCommit commit) {
		// snapshot chunks end with position 0: completion never moves backwards
		if (Long.compareUnsigned(commit.endLsn().value(), this.completed) > 0) {
			this.completed = commit.endLsn().value();
		}
	}

	boolean barrier(ListenerWork.Barrier barrier) throws InterruptedException {
		barrier.arrived.countDown();
		if (this.index != 0) {
			barrier.done.await();
			return !this.container.worker(0).halted;
		}
		barrier.arrived.await();
		try {
			return deliver(barrier.event);
		}
		finally {
			barrier.done.countDown();
		}
	}

	boolean deliver(ChangeEvent event) throws InterruptedException {
		return attempt(event, null, null);
	}

	boolean deliver(TransactionEvent transaction) throws InterruptedException {
		return attempt(null, transaction, null);
	}

	boolean deliver(LogicalMessage message) throws InterruptedException {
		return attempt(null, null, message);
	}

	private boolean attempt(ChangeEvent event, TransactionEvent transaction, LogicalMessage message)
			throws InterruptedException {
		ListenerEndpoint endpoint = this.container.endpoint();
		ListenerStatistics statistics = this.container.statistics();
		RetrySpec retry = endpoint.retry();
		TransactionEvent filtered = null;
		for (int attempt = 1;; attempt++) {
			try {
				if (event != null) {
					if (this.container.matches(event)) {
						statistics.invoked();
						endpoint.adapter().invoke(event);
					}
				}
				else if (transaction != null) {
					if (filtered == null) {
						filtered = filter(transaction);
					}
					if (!filtered.changes().isEmpty()) {
						statistics.invoked();
						endpoint.adapter().invoke(filtered);
					}
				}
				else {
					statistics.invoked();
					endpoint.adapter().invoke(message);
				}
				return true;
			}
			catch (Exception ex) {
				statistics.failed();
				if (attempt >= retry.maxAttempts()) {
					List<ChangeEvent> changes = (event != null) ? List.of(event)
							: (filtered != null) ? filtered.changes() : List.of();
					CdcListenerFailure failure = new CdcListenerFailure(endpoint.id(), changes, message, ex, attempt);
					return this.container.failureHandler().handle(endpoint, failure, statistics);
				}
				long delay = retry.delayMillis(attempt);
				if (logger.isDebugEnabled()) {
					logger.debug("Listener '" + endpoint.id() + "' failed (attempt " + attempt + "), retrying in " + delay
							+ " ms", ex);
				}
				if (!this.container.isRunning()) {
					throw new InterruptedException("stopping");
				}
				TimeUnit.MILLISECONDS.sleep(delay);
			}
		}
	}

	/**
	 * The listener's part of a transaction, found change by change as the shared list is read (from its
	 * spill file, for a large one): tables, operations and condition.
	 */
	private TransactionEvent filter(TransactionEvent transaction) {
		List<ChangeEvent> kept = FilteredChanges.of(transaction.changes(),
				(change) -> this.container.routes(change) && this.container.matches(change));
		return (kept == transaction.changes()) ? transaction
				: new TransactionEvent(transaction.xid(), transaction.commitLsn(), transaction.commitTime(), kept);
	}

	/** Items handed over together, with the memory they hold. */
	private static final class Batch {

		final ListenerWork[] items = new ListenerWork[BATCH];

		final long epoch;

		int size;

		long bytes;

		Batch(long epoch) {
			this.epoch = epoch;
		}

		void add(ListenerWork item, long itemBytes) {
			this.items[this.size++] = item;
			this.bytes += itemBytes;
		}

	}

}
