package dev.pgcdc.redis;

/**
 * An error reply from Redis ({@code WRONGTYPE ...}, {@code LOADING ...}).
 *
 * @author pgcdc
 */
final class RedisReplyException extends RuntimeException {

	RedisReplyException(String message) {
		super(message);
	}

	/**
	 * Return whether the error goes away by itself (the server is loading, out of memory, read-only during
	 * a fail-over, busy with a script), so that waiting and sending again is the right answer.
	 * @param error the error reply
	 * @return whether to retry
	 */
	static boolean isTransient(String error) {
		if (error == null) {
			return false;
		}
		String code = error.split(" ", 2)[0];
		return switch (code) {
			case "LOADING", "OOM", "READONLY", "BUSY", "MASTERDOWN", "NOREPLICAS", "TRYAGAIN", "CLUSTERDOWN",
					"NOAUTH" -> true;
			default -> false;
		};
	}

}
