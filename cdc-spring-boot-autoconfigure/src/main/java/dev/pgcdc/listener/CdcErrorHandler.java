package dev.pgcdc.listener;

/**
 * Decides what happens when a listener still fails after its last attempt, replacing
 * {@code cdc.listener.failure-policy} when defined as a bean.
 *
 * <p>Returning normally means the failure was dealt with and the stream moves on; throwing stops change
 * data capture without confirming the failed transaction.
 *
 * @author pgcdc
 */
@FunctionalInterface
public interface CdcErrorHandler {

	/**
	 * Handle a final failure.
	 * @param failure the listener, the event and what went wrong
	 * @throws Exception to stop change data capture
	 */
	void handle(CdcListenerFailure failure) throws Exception;

}
