package dev.pgcdc.redis;

/**
 * Redis refused a command of a transaction (WRONGTYPE, a bad argument): the failure the dead-letter policy
 * stores.
 *
 * @author pgcdc
 */
public final class RedisCommandFailedException extends RuntimeException {

	RedisCommandFailedException(String message) {
		super(message);
	}

}
