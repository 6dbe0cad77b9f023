package dev.pgcdc.listener.support;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TransactionEvent;
import dev.pgcdc.listener.CdcListenerFailure;
import dev.pgcdc.replication.TransactionBuffer;
import dev.pgcdc.replication.TransactionCommit;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Runs one listener on its own threads: the dispatcher hands it events, one or more workers invoke the
 * listener in order, retry failures and apply the failure policy, and the container reports how far it
 * has completely got.
 *
 * <p>With several workers, changes are spread by the row's key columns so that each row's changes keep
 * their order; a TRUNCATE waits until every worker got to it. Every worker sees every commit, and the
 * container's completed position is the lowest of its workers', so a transaction is only confirmed once
 * all of its changes were handled. The {@code change}, {@code message}, {@code commit} and
 * {@code reset} methods must be called from one thread (the engine's dispatcher).
 *
 * @author pgcdc
 */
public final class ListenerContainer {

	private static final Log logger = LogFactory.getLog(ListenerContainer.class);

	private static final int BATCH = 64;

	private static final int QUEUED_BATCHES = 64;

	private final ListenerEndpoint endpoint;

	private final ListenerFailureHandler failureHandler;

	private final ListenerStatistics statistics = new ListenerStatistics();

	private final Worker[] workers;

	private final boolean transactional;

	private TransactionBuffer transactionChanges;

	private volatile boolean running;

	private volatile boolean conditionWarned;

	ListenerContainer(ListenerEndpoint endpoint, ListenerFailureHandler failureHandler) {
		this.endpoint = endpoint;
		this.failureHandler = failureHandler;
		this.transactional = endpoint.adapter().wantsTransactions();
		int count = this.transactional ? 1 : Math.max(1, endpoint.concurrency());
		this.workers = new Worker[count];
		for (int i = 0; i < count; i++) {
			this.workers[i] = new Worker(i);
		}
	}

	public ListenerEndpoint endpoint() {
		return this.endpoint;
	}

	public ListenerStatistics statistics() {
		return this.statistics;
	}

	void start() {
		this.running = true;
		for (Worker worker : this.workers) {
			Thread thread = new Thread(worker, "pgcdc-listener-" + this.endpoint.id() + "-" + worker.index);
			thread.setDaemon(true);
			worker.thread = thread;
			thread.start();
		}
	}

	void stop() {
		this.running = false;
		for (Worker worker : this.workers) {
			if (worker.thread != null) {
				worker.thread.interrupt();
			}
		}
		for (Worker worker : this.workers) {
			if (worker.thread != null) {
				try {
					worker.thread.join(10_000);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
		}
	}

	/**
	 * Return the end position of the last transaction every worker has completely handled.
	 * @return the completed position
	 */
	Lsn completed() {
		long lowest = -1L;
		for (Worker worker : this.workers) {
			long completed = worker.completed;
			if (Long.compareUnsigned(completed, lowest) < 0) {
				lowest = completed;
			}
		}
		return new Lsn(lowest);
	}

	void change(ChangeEvent event) {
		if (!this.endpoint.routes(event)) {
			return;
		}
		if (this.transactional) {
			if (this.transactionChanges == null) {
				this.transactionChanges = new TransactionBuffer(TransactionBuffer.DEFAULT_MEMORY_LIMIT, null);
			}
			this.transactionChanges.add(event);
		}
		else if (this.workers.length == 1) {
			this.workers[0].add(event);
		}
		else if (event.operation() == Operation.TRUNCATE) {
			Barrier barrier = new Barrier(event, this.workers.length);
			for (Worker worker : this.workers) {
				worker.add(barrier);
			}
		}
		else {
			this.workers[partition(event)].add(event);
		}
	}

	void message(LogicalMessage message) {
		if (this.endpoint.routes(message)) {
			int worker = (this.workers.length == 1) ? 0
					: Math.floorMod(spread(this.endpoint.adapter().partitionHash(message)), this.workers.length);
			this.workers[worker].add(message);
		}
	}

	void commit(TransactionCommit commit) {
		TransactionBuffer changes = this.transactionChanges;
		this.transactionChanges = null;
		if (changes != null) {
			List<ChangeEvent> list = changes.toList();
			changes.close();
			this.workers[0].add(new TransactionEvent(commit.xid(), commit.commitLsn(), commit.commitTime(), list));
		}
		for (Worker worker : this.workers) {
			worker.add(commit);
			worker.flush();
		}
	}

	void reset() {
		if (this.transactionChanges != null) {
			this.transactionChanges.close();
			this.transactionChanges = null;
		}
	}

	/**
	 * Invoke the listener once with stored changes, on the caller's thread, as a dead-letter replay does.
	 * @param changes the changes to deliver
	 * @throws Exception whatever the listener throws
	 */
	void redeliver(List<ChangeEvent> changes) throws Exception {
		if (changes.isEmpty()) {
			throw new IllegalArgumentException("Nothing to replay to listener '" + this.endpoint.id() + "'");
		}
		ListenerInvoker adapter = this.endpoint.adapter();
		if (this.transactional) {
			ChangeEvent first = changes.get(0);
			adapter.invoke(new TransactionEvent(first.xid(), first.commitLsn(), first.commitTime(), changes));
		}
		else {
			for (ChangeEvent change : changes) {
				adapter.invoke(change);
			}
		}
		this.statistics.invoked();
	}

	/**
	 * Invoke the listener once with a stored message, on the caller's thread.
	 * @param message the message
	 * @throws Exception whatever the listener throws
	 */
	void redeliver(LogicalMessage message) throws Exception {
		this.endpoint.adapter().invoke(message);
		this.statistics.invoked();
	}

	private int partition(ChangeEvent event) {
		return Math.floorMod(spread(this.endpoint.adapter().partitionHash(event)), this.workers.length);
	}

	private static int spread(int hash) {
		return hash ^ (hash >>> 16);
	}

	/**
	 * Evaluate the listener's condition. One that cannot be evaluated for an event (a column a key-only
	 * DELETE image lacks, the missing row of a TRUNCATE) does not match: retrying a deterministic error
	 * would only stall the listener and fill the dead-letter table. Warned once per listener.
	 */
	private boolean matches(ListenerEndpoint endpoint, ChangeEvent event) {
		try {
			return endpoint.condition().matches(event);
		}
		catch (RuntimeException ex) {
			if (!this.conditionWarned) {
				this.conditionWarned = true;
				logger.warn("The condition of listener '" + endpoint.id() + "' cannot be evaluated for " + event.operation()
						+ " of " + event.table() + " (" + ex.getMessage() + "); such events do not match. Guard it, for "
						+ "example with row != null and row.contains('column'), or filter operations.");
			}
			return false;
		}
	}

	/** A TRUNCATE every worker must reach before it is delivered, once, by worker 0. */
	private static final class Barrier {

		final ChangeEvent event;

		final CountDownLatch arrived;

		final CountDownLatch done = new CountDownLatch(1);

		Barrier(ChangeEvent event, int parties) {
			this.event = event;
			this.arrived = new CountDownLatch(parties);
		}

	}

	/** One thread of the listener, with its own bounded queue of batches. */
	private final class Worker implements Runnable {

		final int index;

		final ArrayBlockingQueue<Object[]> queue = new ArrayBlockingQueue<>(QUEUED_BATCHES);

		Object[] pending = new Object[BATCH];

		int pendingSize;

		volatile long completed;

		volatile boolean halted;

		Thread thread;

		Worker(int index) {
			this.index = index;
		}

		/** Dispatcher side: add to the batch being filled, handing it over when full. */
		void add(Object item) {
			this.pending[this.pendingSize++] = item;
			if (this.pendingSize == BATCH) {
				flush();
			}
		}

		/** Dispatcher side: hand the batch over, waiting while the worker is behind. */
		void flush() {
			if (this.pendingSize == 0) {
				return;
			}
			Object[] batch = (this.pendingSize == BATCH) ? this.pending : java.util.Arrays.copyOf(this.pending, this.pendingSize);
			this.pending = new Object[BATCH];
			this.pendingSize = 0;
			try {
				while (!this.halted && ListenerContainer.this.running
						&& !this.queue.offer(batch, 100, TimeUnit.MILLISECONDS)) {
					// backpressure: the dispatcher waits for this listener, and so does the reader
				}
			}
			catch (InterruptedException ex) {
				// the engine is stopping and gave up waiting: this batch is dropped, so the worker must not
				// report anything after it as completed
				this.halted = true;
				Thread.currentThread().interrupt();
			}
		}

		@Override
		public void run() {
			try {
				while (ListenerContainer.this.running && !this.halted) {
					Object[] batch = this.queue.poll(100, TimeUnit.MILLISECONDS);
					if (batch == null) {
						continue;
					}
					for (Object item : batch) {
						if (!process(item)) {
							this.halted = true;
							this.queue.clear();
							return;
						}
					}
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			catch (Throwable ex) {
				// an Error from a listener must not leave a dead worker whose full queue stalls the stream
				this.halted = true;
				this.queue.clear();
				ListenerContainer.this.failureHandler.fail("listener '" + ListenerContainer.this.endpoint.id()
						+ "' threw " + ex + "; nothing from its unfinished transaction is confirmed", ex);
			}
		}

		/** Returns whether to go on. */
		private boolean process(Object item) throws InterruptedException {
			if (item instanceof TransactionCommit commit) {
				// snapshot chunks end with position 0: completion never moves backwards
				if (Long.compareUnsigned(commit.endLsn().value(), this.completed) > 0) {
					this.completed = commit.endLsn().value();
				}
				return true;
			}
			if (item instanceof ChangeEvent event) {
				return deliver(event, null, null);
			}
			if (item instanceof TransactionEvent transaction) {
				return deliver(null, transaction, null);
			}
			if (item instanceof LogicalMessage message) {
				return deliver(null, null, message);
			}
			if (item instanceof Barrier barrier) {
				barrier.arrived.countDown();
				if (this.index != 0) {
					barrier.done.await();
					return !ListenerContainer.this.workers[0].halted;
				}
				barrier.arrived.await();
				try {
					return deliver(barrier.event, null, null);
				}
				finally {
					barrier.done.countDown();
				}
			}
			return true;
		}

		private boolean deliver(ChangeEvent event, TransactionEvent transaction, LogicalMessage message)
				throws InterruptedException {
			ListenerEndpoint endpoint = ListenerContainer.this.endpoint;
			RetrySpec retry = endpoint.retry();
			for (int attempt = 1;; attempt++) {
				try {
					if (event != null) {
						if (matches(endpoint, event)) {
							ListenerContainer.this.statistics.invoked();
							endpoint.adapter().invoke(event);
						}
					}
					else if (transaction != null) {
						TransactionEvent filtered = filter(transaction);
						if (filtered != null) {
							ListenerContainer.this.statistics.invoked();
							endpoint.adapter().invoke(filtered);
						}
					}
					else {
						ListenerContainer.this.statistics.invoked();
						endpoint.adapter().invoke(message);
					}
					return true;
				}
				catch (Exception ex) {
					ListenerContainer.this.statistics.failed();
					if (attempt >= retry.maxAttempts()) {
						List<ChangeEvent> changes = (event != null) ? List.of(event)
								: (transaction != null) ? transaction.changes() : List.of();
						CdcListenerFailure failure = new CdcListenerFailure(endpoint.id(), changes, message, ex, attempt);
						return ListenerContainer.this.failureHandler.handle(endpoint, failure,
								ListenerContainer.this.statistics);
					}
					long delay = retry.delayMillis(attempt);
					if (logger.isDebugEnabled()) {
						logger.debug("Listener '" + endpoint.id() + "' failed (attempt " + attempt + "), retrying in "
								+ delay + " ms", ex);
					}
					if (!ListenerContainer.this.running) {
						throw new InterruptedException("stopping");
					}
					TimeUnit.MILLISECONDS.sleep(delay);
				}
			}
		}

		/** Applies the condition to each change; returns null when none is left. */
		private TransactionEvent filter(TransactionEvent transaction) {
			ListenerEndpoint endpoint = ListenerContainer.this.endpoint;
			List<ChangeEvent> kept = new ArrayList<>(transaction.changes().size());
			for (ChangeEvent change : transaction.changes()) {
				if (matches(endpoint, change)) {
					kept.add(change);
				}
			}
			if (kept.isEmpty()) {
				return null;
			}
			return (kept.size() == transaction.changes().size()) ? transaction : new TransactionEvent(transaction.xid(),
					transaction.commitLsn(), transaction.commitTime(), Collections.unmodifiableList(kept));
		}

	}

}
