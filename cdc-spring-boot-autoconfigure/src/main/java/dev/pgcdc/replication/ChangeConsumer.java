package dev.pgcdc.replication;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.TransactionEvent;

/**
 * Receives what the engine reads from the slot, on the engine's dispatch thread, in commit order.
 *
 * <p>A transaction counts as done, and may be confirmed to the server, once every consumer has returned
 * from its {@link #onCommit} call for it. A consumer that hands work to other threads returns a
 * {@link #completedPosition()} instead, and the engine confirms nothing past the lowest such position.
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

	/**
	 * Note the end of a transaction, after its changes, its transaction event and its messages.
	 * @param commit the transaction's commit
	 * @throws Exception if handling failed
	 */
	default void onCommit(TransactionCommit commit) throws Exception {
	}

	/**
	 * Note that every item of one batch taken off the engine's queue went through {@link #onChange} and the
	 * others: a consumer that hands work to threads of its own wakes them here, once for all the small
	 * transactions the batch may hold, rather than at every commit.
	 */
	default void onBatchEnd() {
	}

	/**
	 * Forget an unfinished transaction: the connection was lost in its middle and the server will send it
	 * again from its start.
	 */
	default void onReset() {
	}

	/**
	 * Drop everything queued and not yet handled: another instance took the slot over and delivers it from
	 * the slot's confirmed position, so delivering it here too could reorder effects at a shared sink.
	 * Called on the dispatch thread; work queued for other threads must also be checked against
	 * {@link EngineControl#gate()} before it is delivered.
	 */
	default void onAbandon() {
	}

	/**
	 * Return where this consumer's asynchronous work stands: the end position of the last transaction it
	 * has completely handled. {@code null} (the default) means the consumer is done with a transaction when
	 * {@link #onCommit} returns.
	 * @return a live view of the completed position, or {@code null}
	 */
	default CompletedPosition completedPosition() {
		return null;
	}

	/**
	 * Receive the engine's controls before the first event.
	 * @param control what the consumer may ask of the engine
	 */
	default void attach(EngineControl control) {
	}

	/**
	 * A live view of how far an asynchronous consumer has got.
	 */
	@FunctionalInterface
	interface CompletedPosition {

		/**
		 * Return the end position of the last transaction fully handled.
		 * @return the position, {@link dev.pgcdc.event.Lsn#ZERO} before the first
		 */
		dev.pgcdc.event.Lsn completed();

	}

}
