package dev.pgcdc.outbox;

/**
 * Publishes an event as part of the current business transaction: the event is delivered to the
 * {@code @OutboxListener} methods at least once if the transaction commits, and never if it rolls back.
 *
 * <p>Call it inside a Spring-managed transaction ({@code @Transactional} or a {@code TransactionTemplate})
 * on the captured DataSource; outside one it throws {@link IllegalStateException}, because an event written
 * on its own could outlive a rolled-back change or be lost with a committed one.
 *
 * @author pgcdc
 */
public interface Outbox {

	/**
	 * The prefix of the logical decoding messages that carry events in {@link OutboxMode#MESSAGE message}
	 * mode.
	 */
	String MESSAGE_PREFIX = "pgcdc-outbox";

	/**
	 * Write an event in the current transaction.
	 * @param aggregateType the kind of thing the event is about, such as {@code order}
	 * @param aggregateId the id of that thing; events of one aggregate are delivered in commit order
	 * @param eventType what happened, such as {@code order.placed}
	 * @param payload the event's content, serialized with the application's JSON mapper; a {@code String}
	 * is taken as JSON as it is
	 * @return the event, with the id that consumers use as the idempotency key
	 * @throws IllegalStateException if no transaction is active on the captured DataSource
	 */
	OutboxEvent publish(String aggregateType, String aggregateId, String eventType, Object payload);

}
