package dev.pgcdc.listener.support;

import java.util.List;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Row;
import dev.pgcdc.event.TransactionEvent;

/**
 * Calls one listener: what a {@link ListenerContainer} needs to know about the method it runs, whatever the
 * annotation that declared it.
 *
 * <p>Implementations are immutable and thread-safe; the container calls them from its worker threads.
 *
 * @author pgcdc
 * @see ListenerMethodAdapter
 * @see OutboxListenerAdapter
 */
public interface ListenerInvoker {

	/**
	 * Return how to name the listener in messages.
	 * @return the description
	 */
	String description();

	/**
	 * Return whether the listener takes whole transactions through {@link #invoke(TransactionEvent)}.
	 * @return whether transactions must be assembled
	 */
	boolean wantsTransactions();

	/**
	 * Return whether the listener takes logical messages through {@link #invoke(LogicalMessage)}.
	 * @return whether messages are delivered
	 */
	boolean wantsMessages();

	/**
	 * Return whether the listener is invoked for TRUNCATE events.
	 * @return whether a TRUNCATE is routed to it
	 */
	boolean acceptsTruncate();

	/**
	 * Return whether a change is for this listener, beyond its tables and operations; called on the
	 * dispatcher thread, so it must be cheap.
	 * @param event the change
	 * @return whether to route it here
	 */
	default boolean accepts(ChangeEvent event) {
		return true;
	}

	/**
	 * Return whether a message is for this listener, beyond its prefixes; called on the dispatcher thread.
	 * @param message the message
	 * @return whether to route it here
	 */
	default boolean accepts(LogicalMessage message) {
		return true;
	}

	/**
	 * Return the hash that spreads changes over several workers: equal hashes keep their order. The
	 * default hashes the row's key columns.
	 * @param event the change
	 * @return the hash
	 */
	default int partitionHash(ChangeEvent event) {
		Row row = event.row();
		List<String> keys = row.keyColumns();
		int hash = 1;
		for (String key : keys) {
			Object value = row.get(key);
			hash = 31 * hash + ((value != null) ? value.hashCode() : 0);
		}
		return hash;
	}

	/**
	 * Return the hash that spreads messages over several workers; the default keeps every message on one.
	 * @param message the message
	 * @return the hash
	 */
	default int partitionHash(LogicalMessage message) {
		return 0;
	}

	/**
	 * Deliver one change.
	 * @param event the change
	 * @throws Exception whatever the listener throws
	 */
	void invoke(ChangeEvent event) throws Exception;

	/**
	 * Deliver one whole transaction.
	 * @param transaction the transaction
	 * @throws Exception whatever the listener throws
	 */
	void invoke(TransactionEvent transaction) throws Exception;

	/**
	 * Deliver one logical message.
	 * @param message the message
	 * @throws Exception whatever the listener throws
	 */
	void invoke(LogicalMessage message) throws Exception;

}
