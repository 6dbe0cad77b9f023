package dev.pgcdc.replication;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.TransactionEvent;

/**
 * A consumer that remembers everything it was given, for assertions.
 */
class CollectingConsumer implements ChangeConsumer {

	final List<ChangeEvent> changes = new CopyOnWriteArrayList<>();

	final List<TransactionEvent> transactions = new CopyOnWriteArrayList<>();

	final List<LogicalMessage> messages = new CopyOnWriteArrayList<>();

	private final boolean wantsTransactions;

	CollectingConsumer(boolean wantsTransactions) {
		this.wantsTransactions = wantsTransactions;
	}

	@Override
	public void onChange(ChangeEvent event) {
		this.changes.add(event);
	}

	@Override
	public boolean wantsTransactions() {
		return this.wantsTransactions;
	}

	@Override
	public void onTransaction(TransactionEvent transaction) {
		this.transactions.add(transaction);
	}

	@Override
	public void onMessage(LogicalMessage message) {
		this.messages.add(message);
	}

}
