package dev.pgcdc.outbox;

import java.util.UUID;

/**
 * Remembers which events a consumer has processed, in the consumer's own transaction, so that a handler
 * with side effects acts once per event although delivery is at least once.
 *
 * <p>Call it inside the handler's Spring-managed transaction on the captured DataSource: the id is recorded
 * only if that transaction commits, so a failed attempt leaves the event to be processed again. A side
 * effect outside the database (an e-mail sent) that succeeded just before a crash can still happen twice;
 * see docs/outbox.md for how to narrow that window.
 *
 * @author pgcdc
 */
public interface Inbox {

	/**
	 * Record that a consumer processes an event, and say whether this is the first time.
	 * @param consumer the name of the consumer, such as {@code welcome-mail}; each consumer has its own record
	 * @param eventId the event's id, for example {@link OutboxEvent#id()}
	 * @return {@code true} the first time, {@code false} when the event was processed before (in a committed
	 * transaction)
	 * @throws IllegalStateException if no transaction is active on the captured DataSource
	 */
	boolean markProcessed(String consumer, UUID eventId);

	/**
	 * Run an action unless the consumer already processed the event.
	 * @param consumer the name of the consumer
	 * @param eventId the event's id
	 * @param action what to do the first time
	 * @return whether the action ran
	 * @throws IllegalStateException if no transaction is active on the captured DataSource
	 */
	default boolean runOnce(String consumer, UUID eventId, Runnable action) {
		if (!markProcessed(consumer, eventId)) {
			return false;
		}
		action.run();
		return true;
	}

}
