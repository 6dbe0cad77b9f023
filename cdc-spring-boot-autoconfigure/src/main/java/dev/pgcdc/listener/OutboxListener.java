package dev.pgcdc.listener;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a bean method that receives events published with {@link dev.pgcdc.outbox.Outbox#publish}, after
 * their transaction committed.
 *
 * <p>The method takes an {@link dev.pgcdc.outbox.OutboxEvent}, a payload type read from the JSON (a record,
 * a JavaBean, a {@code Map}, a {@code String}), or the payload type followed by the {@code OutboxEvent}.
 * Delivery is at least once, in commit order, with the retry and failure policy of {@link CdcListener}: a
 * handler with side effects deduplicates on {@code OutboxEvent.id()}, for example with
 * {@code dev.pgcdc.outbox.Inbox}.
 *
 * @author pgcdc
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface OutboxListener {

	/**
	 * The listener's id, used in logs, metrics, the endpoint and dead letters; defaults to
	 * {@code beanName#methodName}.
	 * @return the id
	 */
	String id() default "";

	/**
	 * The event types to receive, such as {@code order.placed}; empty for all.
	 * @return the event types
	 */
	String[] eventTypes() default {};

	/**
	 * The aggregate types to receive, such as {@code order}; empty for all.
	 * @return the aggregate types
	 */
	String[] aggregateTypes() default {};

	/**
	 * How many threads run the listener. Above 1, events are spread by aggregate id, so that events of one
	 * aggregate stay in order.
	 * @return the number of threads
	 */
	int concurrency() default 1;

	/**
	 * How many times to try an event before the failure policy applies; -1 for
	 * {@code cdc.listener.retry.max-attempts}.
	 * @return the maximum number of attempts, or -1
	 */
	int maxAttempts() default -1;

	/**
	 * What to do with an event that still fails after the last attempt: {@code dead-letter}, {@code stop} or
	 * {@code skip}; empty for {@code cdc.listener.failure-policy}.
	 * @return the failure policy name, or empty
	 */
	String failurePolicy() default "";

}
