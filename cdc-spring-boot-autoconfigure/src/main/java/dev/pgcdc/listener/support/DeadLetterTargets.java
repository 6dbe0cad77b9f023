package dev.pgcdc.listener.support;

/**
 * Finds what a dead letter is replayed to by the id it was stored under, for consumers other than the
 * {@code @CdcListener} methods (the Redis sink's dead letters, stored as {@code redis-sink}). Beans of this
 * type are asked, in order, when {@link JdbcDeadLetters#replay(long)} meets an id no listener has.
 *
 * @author pgcdc
 */
@FunctionalInterface
public interface DeadLetterTargets {

	/**
	 * Return what the dead letters stored under an id are replayed to.
	 * @param listenerId the id the dead letter was stored under
	 * @return the target, or {@code null} if this is not the consumer with that id
	 */
	JdbcDeadLetters.DeadLetterTarget deadLetterTarget(String listenerId);

}
