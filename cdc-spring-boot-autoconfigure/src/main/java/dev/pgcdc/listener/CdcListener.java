package dev.pgcdc.listener;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import dev.pgcdc.event.Operation;

/**
 * Marks a bean method that receives committed changes of captured tables.
 *
 * <p>The method takes one of: a {@link dev.pgcdc.event.ChangeEvent}; a record or JavaBean mapped from the
 * row ({@code Row.to}); that type followed by the {@code ChangeEvent}; a
 * {@link dev.pgcdc.event.TransactionEvent} or a {@code List<ChangeEvent>} for whole transactions (filters
 * apply to the changes inside); or a {@link dev.pgcdc.event.LogicalMessage}. Each listener sees events in
 * commit order, one at a time, on its own thread; a transaction is confirmed to PostgreSQL only after
 * every listener handled it, so a listener must be idempotent: after a crash the last transactions are
 * delivered again. An unsupported signature, an unknown table or a bad condition fails start-up.
 *
 * @author pgcdc
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface CdcListener {

	/**
	 * The listener's id, used in logs, metrics, the endpoint and dead letters; defaults to
	 * {@code beanName#methodName}.
	 * @return the id
	 */
	String id() default "";

	/**
	 * The tables to listen to, {@code "orders"} meaning {@code public.orders}; empty for every captured
	 * table.
	 * @return the tables
	 */
	String[] tables() default {};

	/**
	 * The operations to listen to; empty for all.
	 * @return the operations
	 */
	Operation[] operations() default {};

	/**
	 * A SpEL condition over the {@code ChangeEvent} (the root object, also {@code #event}), for example
	 * {@code "row.get('status') == 'PAID'"} or {@code "changedColumns.contains('status')"}. Evaluated in a
	 * restricted context: properties and methods of the event only, no bean or type references.
	 * @return the condition, empty for none
	 */
	String condition() default "";

	/**
	 * The prefixes of the logical messages a {@code LogicalMessage} parameter receives; empty for all
	 * (pgcdc's own heartbeats are never delivered).
	 * @return the prefixes
	 */
	String[] messagePrefixes() default {};

	/**
	 * How many threads run the listener. Above 1, events are spread by primary key, so that changes of one
	 * row stay in order while different rows are handled in parallel; TRUNCATE waits for all of them.
	 * Whole-transaction and message listeners always run on one thread.
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
	 * What to do with an event that still fails after the last attempt: {@code dead-letter},
	 * {@code stop} or {@code skip}; empty for {@code cdc.listener.failure-policy}.
	 * @return the failure policy name, or empty
	 */
	String failurePolicy() default "";

}
