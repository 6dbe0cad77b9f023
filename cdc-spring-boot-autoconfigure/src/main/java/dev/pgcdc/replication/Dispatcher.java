package dev.pgcdc.replication;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.TransactionEvent;
import dev.pgcdc.replication.StreamMarker.StreamReset;
import dev.pgcdc.replication.StreamMarker.TransactionBegin;
import dev.pgcdc.replication.StreamMarker.TransactionCommit;

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

	private List<ChangeEvent> transactionChanges;

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

	@Override
	public void run() {
		try {
			while (this.running) {
				EventBatch batch = this.queue.poll(100, TimeUnit.MILLISECONDS);
				if (batch != null) {
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
				this.transactionChanges = this.transactionConsumers.isEmpty() ? null : new ArrayList<>();
			}
			else if (item instanceof TransactionCommit commit) {
				commit(commit);
			}
			else if (item instanceof LogicalMessage message) {
				for (ChangeConsumer consumer : this.consumers) {
					deliver(consumer, message);
				}
			}
			else if (item instanceof StreamReset) {
				this.transactionChanges = null;
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
		this.statistics.eventDelivered(event.table());
	}

	private void commit(TransactionCommit commit) throws Exception {
		List<ChangeEvent> changes = this.transactionChanges;
		this.transactionChanges = null;
		if (changes != null && !changes.isEmpty()) {
			TransactionEvent transaction = new TransactionEvent(commit.xid(), commit.commitLsn(), commit.commitTime(),
					Collections.unmodifiableList(changes));
			for (ChangeConsumer consumer : this.transactionConsumers) {
				deliver(consumer, transaction);
			}
		}
		this.statistics.transactionDelivered(commit.commitTime());
		this.flushTracker.completed(commit.endLsn());
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
		}
		catch (Exception ex) {
			this.errorHandler.handle(consumer, item, ex);
		}
	}

}
