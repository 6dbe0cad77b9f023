package dev.pgcdc.rabbit;

/**
 * Where the RabbitMQ sink's connection to the broker stands.
 *
 * @author pgcdc
 */
public enum RabbitSinkState {

	/** Not started, or started and not connected yet. */
	STARTING,

	/** Connected, publishing. */
	PUBLISHING,

	/** The broker blocked the connection (memory or disk alarm); messages wait. */
	BLOCKED,

	/** The broker cannot be reached; retrying with back-off, nothing past the first unconfirmed message confirmed. */
	RETRYING,

	/** Stopped by the failure policy {@code stop} or a configuration error; see the last error. */
	FAILED,

	/** Stopped with the application. */
	STOPPED

}
