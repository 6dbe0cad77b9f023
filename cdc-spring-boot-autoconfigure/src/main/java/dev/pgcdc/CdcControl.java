package dev.pgcdc;

import java.time.Duration;

/**
 * Controls change data capture from application code: wait until what the application wrote has been
 * handled by every consumer (read-your-writes), or mark a transaction as not for delivery.
 *
 * <p>Auto-configured whenever the replication engine is; inject it like any other bean.
 *
 * @author pgcdc
 * @see dev.pgcdc.listener.CdcListener
 */
public interface CdcControl {

	/**
	 * Wait until every transaction committed before this call has been handled by every consumer: each
	 * {@code @CdcListener} (including those with {@code concurrency > 1}), {@code ApplicationEvent}
	 * listener, {@code @OutboxListener} and Redis sink has finished it (or dead-lettered it).
	 * <p>On an idle database this returns after one round trip to the server. While delivery is paused
	 * (through {@code POST /actuator/cdc/pause}) nothing is handled, so this waits, and returns
	 * {@code false} when the timeout passes; it never waits longer than the timeout. A listener that blocks
	 * makes it return {@code false} at the timeout as well.
	 * <p>Typical uses: a request that wrote a row and must answer only after the read model was updated,
	 * and a test that checks what a listener did without polling.
	 * @param timeout how long to wait at most
	 * @return {@code true} if every consumer caught up, {@code false} if the timeout passed first, or if
	 * capture is stopped or failed
	 */
	boolean awaitCaughtUp(Duration timeout);

	/**
	 * Mark the current transaction as not for delivery: none of its row changes and messages reach a
	 * consumer (listeners, {@code ApplicationEvent}s, the outbox router, Redis sinks), while its position is
	 * confirmed like any other. Every skipped transaction is counted (metric
	 * {@code cdc.transactions.skipped}) and logged once at INFO with its transaction id and size.
	 * <p>Must be called inside a Spring-managed transaction on the captured DataSource (for example from a
	 * {@code @Transactional} method), and before the transaction's first write: PostgreSQL sends a
	 * transaction's changes in the order they were written, so rows written earlier would be delivered.
	 * Calling it again in the same transaction does nothing. Typical use: a data migration or a backfill
	 * of millions of rows that should not send millions of e-mails.
	 * @throws IllegalStateException if there is no such transaction, it is read-only, or it has already
	 * written
	 */
	void skipCurrentTransaction();

}
