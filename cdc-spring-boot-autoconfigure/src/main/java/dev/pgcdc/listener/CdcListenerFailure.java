package dev.pgcdc.listener;

import java.util.List;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;

/**
 * A listener's final failure on an event, after every attempt, as given to a {@link CdcErrorHandler}.
 *
 * @param listenerId the id of the listener that failed
 * @param changes the changes it was given (one for an event listener, the transaction's matching changes
 * for a transaction listener, none for a message listener)
 * @param message the logical message it was given, or {@code null}
 * @param exception what the last attempt threw
 * @param attempts how many times it was tried
 * @author pgcdc
 */
public record CdcListenerFailure(String listenerId, List<ChangeEvent> changes, LogicalMessage message,
		Throwable exception, int attempts) {
}
