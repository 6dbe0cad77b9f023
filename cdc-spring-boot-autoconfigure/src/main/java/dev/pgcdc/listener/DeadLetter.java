package dev.pgcdc.listener;

import java.time.Instant;
import java.util.List;

import dev.pgcdc.event.ChangeEvent;

/**
 * An event a listener failed on, as kept in the dead-letter table.
 *
 * @param id the dead letter's id
 * @param listenerId the listener that failed
 * @param changes the changes that were delivered (several for a transaction listener)
 * @param exception the exception class and message of the last attempt
 * @param attempts how many times it was tried
 * @param createdAt when it was dead-lettered
 * @param replayedAt when it was last replayed successfully, or {@code null}
 * @author pgcdc
 */
public record DeadLetter(long id, String listenerId, List<ChangeEvent> changes, String exception, int attempts,
		Instant createdAt, Instant replayedAt) {
}
