package dev.pgcdc.replication;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.TransactionEvent;

/**
 * Receives what the engine reads from the slot, on the engine's dispatch thread, in commit order.
 *
 * <p>A transaction counts as done, and may be acknowledged to the server, once every consumer has
 * returned from its last call for it; a consumer that hands work to other threads must finish that work
 * before returning, or delay the acknowledgement some other way.
 *
 * @author pgcdc
 */
public interface ChangeConsumer {

	/**
	 * Handle one row change.
	 * @param event the change
	 * @throws Exception if handling failed; the engine's error handler decides what follows
	 */
	default void onChange(ChangeEvent event) throws Exception {
	}

	/**
	 * Return whether this consumer needs whole transactions through {@link #onTransaction}; only then does
	 * the engine keep a transaction's changes until its commit.
	 * @return whether {@link #onTransaction} should be called
	 */
	default boolean wantsTransactions() {
		return false;
	}

	/**
	 * Handle a whole committed transaction, after its changes went through {@link #onChange}.
	 * @param transaction the transaction
	 * @throws Exception if handling failed
	 */
	default void onTransaction(TransactionEvent transaction) throws Exception {
	}

	/**
	 * Handle a logical decoding message.
	 * @param message the message
	 * @throws Exception if handling failed
	 */
	default void onMessage(LogicalMessage message) throws Exception {
	}

}
