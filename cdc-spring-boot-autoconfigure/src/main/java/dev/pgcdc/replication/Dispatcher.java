package dev.pgcdc.replication;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.TransactionEvent;
import dev.pgcdc.replication.StreamMarker.StreamReset;
import dev.pgcdc.replication.StreamMarker.TransactionBegin;
import dev.pgcdc.replication.StreamMarker.Committed;

/**
 * Takes batches off the queue and hands each item to every consumer in order, on one thread; when a
 * transaction's commit has gone through every consumer, its end position becomes flushable.
 *
 * @author pgcdc
 */
final class Dispatcher implements Runnable {

	private final EventQueue queue;

	private final List<ChangeConsumer> consumers;

	private final List<ChangeConsumer> transactionConsumers;

	private final DispatchErrorHandler errorHandler;

	private final FlushTracker flushTracker;

	private final StreamStatistics statistics;

	private final Consumer<Exception> onFailure;

	private volatile boolean running = true;

	private volatile boolean paused;

	private TransactionBuffer transactionChanges;

	Dispatcher(EventQueue queue, List<ChangeConsumer> consumers, DispatchErrorHandler errorHandler,
			FlushTracker flushTracker, StreamStatistics statistics, Consumer<Exception> onFailure) {
		this.queue = queue;
		this.consumers = List.copyOf(consumers);
		this.transactionConsumers = this.consumers.stream().filter(ChangeConsumer::wantsTransactions).toList();
		this.errorHandler = errorHandler;
		this.flushTracker = flushTracker;
		this.statistics = statistics;
		this.onFailure = onFailure;
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
					dispatch(batch);
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
	}

	private void dispatch(EventBatch batch) throws Exception {
		for (int i = 0; i < batch.size(); i++) {
			Object item = batch.get(i);
			if (item instanceof ChangeEvent event) {
				change(event);
			}
			else if (item instanceof TransactionBegin) {
				discardTransaction();
				this.transactionChanges = this.transactionConsumers.isEmpty() ? null
						: new TransactionBuffer(TransactionBuffer.DEFAULT_MEMORY_LIMIT, null);
			}
			else if (item instanceof Committed committed) {
				commit(committed.commit());
			}
			else if (item instanceof LogicalMessage message) {
				for (ChangeConsumer consumer : this.consumers) {
					deliver(consumer, message);
				}
			}
			else if (item instanceof StreamReset) {
				discardTransaction();
				for (ChangeConsumer consumer : this.consumers) {
					consumer.onReset();
				}
			}
		}
	}

	private void change(ChangeEvent event) throws Exception {
		for (ChangeConsumer consumer : this.consumers) {
			deliver(consumer, event);
		}
		if (this.transactionChanges != null) {
			this.transactionChanges.add(event);
		}
		this.statistics.eventDelivered(event.table(), event.operation());
	}

	private void commit(TransactionCommit commit) throws Exception {
		TransactionBuffer changes = this.transactionChanges;
		this.transactionChanges = null;
		if (changes != null) {
			try (changes) {
				List<ChangeEvent> list = changes.toList();
				if (!list.isEmpty()) {
					TransactionEvent transaction = new TransactionEvent(commit.xid(), commit.commitLsn(),
							commit.commitTime(), list);
					for (ChangeConsumer consumer : this.transactionConsumers) {
						deliver(consumer, transaction);
					}
				}
			}
		}
		for (ChangeConsumer consumer : this.consumers) {
			deliver(consumer, commit);
		}
		this.statistics.transactionDelivered(commit);
		this.flushTracker.completed(commit.endLsn());
	}

	private void discardTransaction() {
		if (this.transactionChanges != null) {
			this.transactionChanges.close();
			this.transactionChanges = null;
		}
	}

	private void deliver(ChangeConsumer consumer, Object item) throws Exception {
		try {
			if (item instanceof ChangeEvent event) {
				consumer.onChange(event);
			}
			else if (item instanceof TransactionEvent transaction) {
				consumer.onTransaction(transaction);
			}
			else if (item instanceof LogicalMessage message) {
				consumer.onMessage(message);
			}
			else if (item instanceof TransactionCommit commit) {
				consumer.onCommit(commit);
			}
		}
		catch (Exception ex) {
			this.errorHandler.handle(consumer, item, ex);
		}
	}

}
