package dev.pgcdc.replication;

/**
 * Thrown when the database is not ready for change data capture as configured: the message says what
 * is wrong and how to fix it.
 *
 * <p>Not retried: these are configuration problems that waiting does not cure.
 *
 * @author pgcdc
 */
public class ReplicationSetupException extends RuntimeException {

	public ReplicationSetupException(String message) {
		super(message);
	}

	public ReplicationSetupException(String message, Throwable cause) {
		super(message, cause);
	}

}
