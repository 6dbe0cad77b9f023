package dev.pgcdc.outbox;

/**
 * Where {@link Outbox#publish} writes an event so that the replication slot carries it to the
 * {@code @OutboxListener} methods.
 *
 * <p>Both modes are transactional: the event exists if and only if the business transaction commits.
 *
 * @author pgcdc
 */
public enum OutboxMode {

	/**
	 * A row in the outbox table (Debezium-compatible columns), pruned after the configured retention; the
	 * events can also be queried with SQL.
	 */
	TABLE,

	/**
	 * A transactional logical decoding message ({@code pg_logical_emit_message}) with the prefix
	 * {@code pgcdc-outbox}: nothing is stored in a table and nothing needs pruning, but the event lives only
	 * in the WAL.
	 */
	MESSAGE

}
