package dev.pgcdc.replication;

/**
 * Decides what happens when a {@link ChangeConsumer} throws.
 *
 * <p>Returning normally moves on to the next item; throwing stops the engine without acknowledging the
 * failed transaction, so it is delivered again after a restart.
 *
 * @author pgcdc
 */
@FunctionalInterface
public interface DispatchErrorHandler {

	/**
	 * Handle a consumer failure.
	 * @param consumer the consumer that threw
	 * @param item the event, transaction or message it was handling
	 * @param failure what it threw
	 * @throws Exception to stop the engine
	 */
	void handle(ChangeConsumer consumer, Object item, Exception failure) throws Exception;

}
