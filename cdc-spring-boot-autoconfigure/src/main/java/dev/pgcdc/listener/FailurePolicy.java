package dev.pgcdc.listener;

/**
 * What happens to an event a listener still fails on after its last attempt.
 *
 * @author pgcdc
 */
public enum FailurePolicy {

	/**
	 * Store the event, the listener id, the exception and the attempt count in the dead-letter table and
	 * move on; {@link DeadLetters} replays it later.
	 */
	DEAD_LETTER,

	/**
	 * Stop change data capture: nothing from the failed transaction on is confirmed, so after the listener
	 * is fixed a restart delivers it again. Health reports DOWN.
	 */
	STOP,

	/**
	 * Log the failure, count it and move on.
	 */
	SKIP

}
