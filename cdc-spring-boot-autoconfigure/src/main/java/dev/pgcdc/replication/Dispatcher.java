package dev.pgcdc.replication;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.TransactionEvent;

/**
 * Takes batches off the queue and hands each item to every consumer in order, on one thread; when a
 * transaction's commit has gone through every consumer, its end position becomes flushable.
 *
 * <p>This is the one place a transaction is collected: when any consumer wants whole transactions, the
 * changes go to one {@link TransactionBuffer} (memory from the {@link MemoryBudget}, the rest spilled),
 * and every such consumer receives the same read-only {@link TransactionEvent} at the commit. Consumers
 * that keep it for later reserve what they hold themselves; the buffer's own reservation ends once every
 * consumer has had the transaction.
 *
 * @author pgcdc
 */
final class Dispatcher implements Runnable {

	private final EventQueue queue;

	private final List<ChangeConsumer> consumers;

	private final DispatchErrorHandler errorHandler;

	private final FlushTracker flushTracker;

	private final StreamStatistics statistics;

	private final Consumer<Exception> onFailure;

	private final MemoryBudget budget;

	private final Path spillDirectory;

	private final DeliveryGate gate;

	/** The epoch of the last batch dispatched: a newer one means consumers must drop what they queued. */
	private long epoch;

	private volatile boolean running = true;

	/** Asked by the delivery gate while it holds delivery; one instance, not one per item. */
	private final java.util.function.BooleanSupplier stillRunning = () -> this.running;

	private volatile boolean paused;

	private TransactionBuffer transactionChanges;

	Dispatcher(EventQueue queue, List<ChangeConsumer> consumers, DispatchErrorHandler errorHandler,
			FlushTracker flushTracker, StreamStatistics statistics, Consumer<Exception> onFailure,
			MemoryBudget budget, Path spillDirectory, DeliveryGate gate) {
		this.gate = gate;
		this.epoch = gate.epoch();
		this.queue = queue;
		this.consumers = List.copyOf(consumers);
		this.errorHandler = errorHandler;
		this.flushTracker = flushTracker;
		this.statistics = statistics;
		this.onFailure = onFailure;
		this.budget = budget;
		this.spillDirectory = spillDirectory;
	}

	void stop() {
		this.running = false;
	}

	void pause(boolean paused) {
		this.paused = paused;
	}

	@Override
	public void run() {
		try {
			while (this.running) {
				if (this.paused) {
					// the reader fills the bounded queue and then waits, keeping its connection and the slot
					TimeUnit.MILLISECONDS.sleep(50);
					continue;
				}
				EventBatch batch = this.queue.poll(100, TimeUnit.MILLISECONDS);
				while (batch != null && this.paused && this.running) {
					// paused while this batch was taken: hold it rather than deliver it
					TimeUnit.MILLISECONDS.sleep(50);
				}
				if (batch != null && this.running) {
					try {
						dispatch(batch);
					}
					finally {
						this.queue.release(batch);
					}
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (Exception ex) {
			this.running = false;
			this.onFailure.accept(ex);
		}
		finally {
			discardTransaction();
		}
	}

	private void dispatch(EventBatch batch) throws Exception {
		if (batch.epoch() != this.epoch) {
			// queued after another instance took the slot over: what consumers hold from before is void
			abandon();
			this.epoch = batch.epoch();
		}
		for (int i = 0; i < batch.size(); i++) {
			// a lost connection holds delivery here until the slot is known to be this instance's
			if (!this.gate.await(batch.epoch(), this.stillRunning)) {
				if (this.gate.voided(batch.epoch())) {
					abandon();
				}
				return;
			}
			batch.get(i).dispatchTo(this);
		}
		for (int i = 0; i < this.consumers.size(); i++) {
			this.consumers.get(i).onBatchEnd();
		}
	}

	private void abandon() {
		discardTransaction();
		for (ChangeConsumer consumer : this.consumers) {
			consumer.onAbandon();
		}
	}

	void begin() {
		discardTransaction();
		// asked per transaction: a listener registered while streaming may want them from now on
		for (ChangeConsumer consumer : this.consumers) {
			if (consumer.wantsTransactions()) {
				this.transactionChanges = new TransactionBuffer(this.budget, this.spillDirectory);
				return;
			}
		}
	}

	void change(ChangeEvent event) throws Exception {
		// indexed: an iterator per change and consumer is garbage the no-op listener would pay for
		for (int i = 0; i < this.consumers.size(); i++) {
			ChangeConsumer consumer = this.consumers.get(i);
			try {
				consumer.onChange(event);
			}
			catch (Exception ex) {
				this.errorHandler.handle(consumer, event, ex);
			}
		}
		if (this.transactionChanges != null) {
			this.transactionChanges.add(event);
		}
		this.statistics.eventDelivered(event.table(), event.operation());
	}

	void message(LogicalMessage message) throws Exception {
		for (ChangeConsumer consumer : this.consumers) {
			try {
				consumer.onMessage(message);
			}
			catch (Exception ex) {
				this.errorHandler.handle(consumer, message, ex);
			}
		}
	}

	void commit(TransactionCommit commit) throws Exception {
		TransactionBuffer changes = this.transactionChanges;
		this.transactionChanges = null;
		if (changes != null) {
			try {
				changes.close();
				if (!changes.changes().isEmpty()) {
					TransactionEvent transaction = new TransactionEvent(commit.xid(), commit.commitLsn(),
							commit.commitTime(), changes.changes());
					for (ChangeConsumer consumer : this.consumers) {
						if (!consumer.wantsTransactions()) {
							continue;
						}
						try {
							consumer.onTransaction(transaction);
						}
						catch (Exception ex) {
							this.errorHandler.handle(consumer, transaction, ex);
						}
					}
				}
			}
			finally {
				changes.release();
			}
		}
		for (ChangeConsumer consumer : this.consumers) {
			try {
				consumer.onCommit(commit);
			}
			catch (Exception ex) {
				this.errorHandler.handle(consumer, commit, ex);
			}
		}
		this.statistics.transactionDelivered(commit);
		this.flushTracker.completed(commit.endLsn());
	}

	void reset() {
		discardTransaction();
		for (ChangeConsumer consumer : this.consumers) {
			consumer.onReset();
		}
	}

	private void discardTransaction() {
		if (this.transactionChanges != null) {
			this.transactionChanges.close();
			this.transactionChanges.release();
			this.transactionChanges = null;
		}
	}

}
