package dev.pgcdc.listener.support;

import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableId;
import dev.pgcdc.event.TransactionEvent;
import dev.pgcdc.replication.ChangeSize;
import dev.pgcdc.replication.DeliveryGate;
import dev.pgcdc.replication.MemoryBudget;
import dev.pgcdc.replication.TransactionCommit;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Runs one listener on its own threads: the dispatcher hands it events, one or more
 * {@link ListenerWorker workers} invoke the listener in order, retry failures and apply the failure policy,
 * and the container reports how far it has completely got.
 *
 * <p>With several workers, changes are spread by the row's key columns so that each row's changes keep
 * their order; a TRUNCATE waits until every worker got to it. Every worker sees every commit, and the
 * container's completed position is the lowest of its workers', so a transaction is only confirmed once
 * all of its changes were handled. A whole-transaction listener gets the engine's one shared transaction
 * and reads its own part of it on its worker thread. The {@code change}, {@code transaction},
 * {@code message}, {@code commit} and {@code reset} methods must be called from one thread (the engine's
 * dispatcher).
 *
 * @author pgcdc
 */
public final class ListenerContainer {

	private static final Log logger = LogFactory.getLog(ListenerContainer.class);

	private final ListenerEndpoint endpoint;

	private final ListenerFailureHandler failureHandler;

	private final Supplier<MemoryBudget> memory;

	private final Supplier<DeliveryGate> gate;

	private final Predicate<TableId> optInTables;

	private final ListenerStatistics statistics = new ListenerStatistics();

	private final ListenerWorker[] workers;

	private final boolean transactional;

	private volatile boolean running;

	private volatile boolean conditionWarned;

	ListenerContainer(ListenerEndpoint endpoint, ListenerFailureHandler failureHandler,
			Supplier<MemoryBudget> memory, Supplier<DeliveryGate> gate, Predicate<TableId> optInTables) {
		this.gate = gate;
		this.endpoint = endpoint;
		this.failureHandler = failureHandler;
		this.memory = memory;
		// opt-in tables (the outbox) reach only listeners that name tables
		this.optInTables = endpoint.tables().isEmpty() ? optInTables : (table) -> false;
		this.transactional = endpoint.adapter().wantsTransactions();
		int count = this.transactional ? 1 : Math.max(1, endpoint.concurrency());
		this.workers = new ListenerWorker[count];
		for (int i = 0; i < count; i++) {
			this.workers[i] = new ListenerWorker(this, i);
		}
	}

	public ListenerEndpoint endpoint() {
		return this.endpoint;
	}

	public ListenerStatistics statistics() {
		return this.statistics;
	}

	boolean wantsTransactions() {
		return this.transactional;
	}

	boolean isRunning() {
		return this.running;
	}

	ListenerFailureHandler failureHandler() {
		return this.failureHandler;
	}

	MemoryBudget memory() {
		MemoryBudget budget = this.memory.get();
		return (budget != null) ? budget : MemoryBudget.UNBOUNDED;
	}

	DeliveryGate gate() {
		DeliveryGate current = this.gate.get();
		return (current != null) ? current : DeliveryGate.OPEN;
	}

	/** Dispatcher side: another instance took the slot over; nothing queued here is delivered. */
	void abandon() {
		for (ListenerWorker worker : this.workers) {
			worker.abandonPending();
		}
	}

	ListenerWorker worker(int index) {
		return this.workers[index];
	}

	void start() {
		this.running = true;
		for (ListenerWorker worker : this.workers) {
			Thread thread = new Thread(worker, "pgcdc-listener-" + this.endpoint.id() + "-" + worker.index);
			thread.setDaemon(true);
			worker.thread = thread;
			thread.start();
		}
	}

	void stop() {
		this.running = false;
		for (ListenerWorker worker : this.workers) {
			if (worker.thread != null) {
				worker.thread.interrupt();
			}
		}
		for (ListenerWorker worker : this.workers) {
			if (worker.thread != null) {
				try {
					worker.thread.join(10_000);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			worker.drop();
		}
	}

	/**
	 * Return the end position of the last transaction every worker has completely handled.
	 * @return the completed position
	 */
	Lsn completed() {
		long lowest = -1L;
		for (ListenerWorker worker : this.workers) {
			long completed = worker.completed;
			if (Long.compareUnsigned(completed, lowest) < 0) {
				lowest = completed;
			}
		}
		return new Lsn(lowest);
	}

	void change(ChangeEvent event) {
		if (this.transactional || !this.endpoint.routes(event)) {
			return;
		}
		long bytes = ChangeSize.of(event);
		if (this.workers.length == 1) {
			this.workers[0].add(new ListenerWork.Change(event), bytes);
		}
		else if (event.operation() == Operation.TRUNCATE) {
			ListenerWork.Barrier barrier = new ListenerWork.Barrier(event, this.workers.length);
			for (ListenerWorker worker : this.workers) {
				worker.add(barrier, bytes);
			}
		}
		else {
			this.workers[partition(event)].add(new ListenerWork.Change(event), bytes);
		}
	}

	void transaction(TransactionEvent transaction) {
		if (this.transactional) {
			this.workers[0].add(new ListenerWork.Transaction(transaction), ChangeSize.of(transaction.changes()));
		}
	}

	void message(LogicalMessage message) {
		if (this.endpoint.routes(message)) {
			int worker = (this.workers.length == 1) ? 0
					: Math.floorMod(spread(this.endpoint.adapter().partitionHash(message)), this.workers.length);
			this.workers[worker].add(new ListenerWork.Message(message), 256L + message.content().length);
		}
	}

	void commit(TransactionCommit commit) {
		ListenerWork.Commit end = new ListenerWork.Commit(commit);
		for (ListenerWorker worker : this.workers) {
			worker.add(end, 0);
		}
	}

	/** Hand what the workers' batches hold over: the dispatcher's batch ended (one wake-up per worker for it). */
	void flush() {
		for (ListenerWorker worker : this.workers) {
			worker.flush();
		}
	}

	void reset() {
		// nothing is collected here: the engine's one transaction buffer is dropped by the dispatcher
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
	/** Whether a change of a shared transaction is this listener's, condition aside. */
	boolean routes(ChangeEvent event) {
		return this.endpoint.routes(event) && !this.optInTables.test(event.table());
	}

	boolean matches(ChangeEvent event) {
		try {
			return this.endpoint.condition().matches(event);
		}
		catch (RuntimeException ex) {
			if (!this.conditionWarned) {
				this.conditionWarned = true;
				logger.warn("The condition of listener '" + this.endpoint.id() + "' cannot be evaluated for "
						+ event.operation() + " of " + event.table() + " (" + ex.getMessage() + "); such events do not "
						+ "match. Guard it, for example with row != null and row.contains('column'), or filter "
						+ "operations.");
			}
			return false;
		}
	}

}
