package dev.pgcdc.redis;

/**
 * Redis cannot be reached or did not answer: the sink waits and sends the unconfirmed transactions again.
 *
 * @author pgcdc
 */
final class RedisUnavailableException extends RuntimeException {

	RedisUnavailableException(String message, Throwable cause) {
		super(message, cause);
	}

}
