package dev.pgcdc.rabbit;

/**
 * The broker returned a message as unroutable or refused it; stored with the dead letter.
 *
 * @author pgcdc
 */
public class RabbitPublishException extends RuntimeException {

	/**
	 * Create an exception.
	 * @param message what the broker did with which message, and the fix
	 */
	public RabbitPublishException(String message) {
		super(message);
	}

}
