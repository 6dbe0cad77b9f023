package dev.pgcdc.actuate;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.listener.DeadLetter;
import dev.pgcdc.listener.DeadLetters;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;

/**
 * The dead-letter operations of the {@code cdc} endpoint: list the pending dead letters a page at a time,
 * replay one, replay all of a listener, delete one. {@link CdcEndpoint} maps them to
 * {@code /actuator/cdc/deadletters}; they are write operations (but the list), so Actuator's access control
 * ({@code management.endpoint.cdc.access=read-only}) refuses them.
 *
 * <p>A replay runs on the caller's thread, as {@link DeadLetters#replay(long)} does: the HTTP request waits
 * for the listener (or for Redis, for the Redis sink's dead letters).
 *
 * @author pgcdc
 */
public final class DeadLetterOperations {

	/** Dead letters per page unless asked otherwise. */
	static final int DEFAULT_LIMIT = 50;

	/** The largest page: each dead letter is read with all its changes. */
	static final int MAX_LIMIT = 1000;

	private final Supplier<DeadLetters> deadLetters;

	private final UnaryOperator<String> mask;

	DeadLetterOperations(Supplier<DeadLetters> deadLetters, UnaryOperator<String> mask) {
		this.deadLetters = (deadLetters != null) ? deadLetters : () -> null;
		this.mask = mask;
	}

	DeadLettersDescriptor list(String listenerId, Long after, Integer limit) {
		int size = (limit != null) ? limit : DEFAULT_LIMIT;
		if (size < 1 || size > MAX_LIMIT) {
			throw new InvalidEndpointRequestException("Invalid limit " + size,
					"Invalid limit " + size + ": ask for 1 to " + MAX_LIMIT + " dead letters per page");
		}
		DeadLetters store = this.deadLetters.get();
		if (store == null) {
			return new DeadLettersDescriptor(List.of(), null);
		}
		List<DeadLetter> page = store.pending(blankToNull(listenerId), (after != null) ? after : 0, size);
		List<DeadLetterDescriptor> described = page.stream().map(this::describe).toList();
		Long next = (page.size() == size) ? page.get(page.size() - 1).id() : null;
		return new DeadLettersDescriptor(described, next);
	}

	ReplayDescriptor replay(String id) {
		DeadLetters store = requireStore();
		long number = parseId(id);
		DeadLetter deadLetter = store.find(number);
		if (deadLetter == null) {
			throw new InvalidEndpointRequestException("No dead letter " + number,
					"No dead letter with id " + number + ": GET /actuator/cdc/deadletters lists the pending ones");
		}
		if (deadLetter.replayedAt() != null) {
			throw new InvalidEndpointRequestException("Dead letter " + number + " was replayed already",
					"Dead letter " + number + " was replayed at " + deadLetter.replayedAt() + "; nothing done");
		}
		List<Long> replayed = new ArrayList<>();
		String error = replay(store, number, replayed);
		return new ReplayDescriptor(deadLetter.listenerId(), replayed, (error != null) ? number : null, error);
	}

	/**
	 * Replay the pending dead letters of a listener, oldest first, stopping at the first that fails again:
	 * the later ones stay pending, so that a listener is never given a newer event before an older one
	 * that still fails.
	 */
	ReplayDescriptor replayAll(String listenerId) {
		DeadLetters store = requireStore();
		String listener = Objects.requireNonNull(blankToNull(listenerId), "listenerId");
		List<Long> replayed = new ArrayList<>();
		long after = 0;
		while (true) {
			List<DeadLetter> page = store.pending(listener, after, DEFAULT_LIMIT);
			for (DeadLetter deadLetter : page) {
				String error = replay(store, deadLetter.id(), replayed);
				if (error != null) {
					return new ReplayDescriptor(listener, replayed, deadLetter.id(), error);
				}
				after = deadLetter.id();
			}
			if (page.size() < DEFAULT_LIMIT) {
				return new ReplayDescriptor(listener, replayed, null, null);
			}
		}
	}

	DeleteDescriptor delete(String id) {
		long number = parseId(id);
		return new DeleteDescriptor(number, requireStore().delete(number));
	}

	/**
	 * Replay one dead letter; whatever fails (the listener, which may well throw an
	 * {@code IllegalArgumentException} of its own, or a listener that no longer exists) is answered, not thrown.
	 */
	private String replay(DeadLetters store, long id, List<Long> replayed) {
		try {
			store.replay(id);
			replayed.add(id);
			return null;
		}
		catch (Exception ex) {
			return this.mask.apply(ex.toString());
		}
	}

	private DeadLetters requireStore() {
		DeadLetters store = this.deadLetters.get();
		if (store == null) {
			throw new InvalidEndpointRequestException("No dead-letter store",
					"No DeadLetters bean exists, so there are no dead letters to replay");
		}
		return store;
	}

	private static long parseId(String id) {
		try {
			return Long.parseLong(id.trim());
		}
		catch (NumberFormatException ex) {
			throw new InvalidEndpointRequestException("Invalid dead letter id '" + id + "'", "Invalid dead letter id '"
					+ id + "': use the numeric id GET /actuator/cdc/deadletters shows, e.g. /actuator/cdc/deadletters/42");
		}
	}

	private static String blankToNull(String text) {
		return (text == null || text.isBlank()) ? null : text.trim();
	}

	private DeadLetterDescriptor describe(DeadLetter deadLetter) {
		List<ChangeEvent> changes = deadLetter.changes();
		Set<String> tables = new LinkedHashSet<>();
		changes.forEach((change) -> tables.add(change.table().toString()));
		ChangeEvent first = changes.isEmpty() ? null : changes.get(0);
		return new DeadLetterDescriptor(deadLetter.id(), deadLetter.listenerId(),
				tables.isEmpty() ? null : String.join(", ", tables), (first != null) ? first.xid() : null,
				(first != null) ? first.commitLsn().toString() : null, changes.size(),
				this.mask.apply(deadLetter.exception()), deadLetter.attempts(), deadLetter.createdAt());
	}

	/**
	 * A page of pending dead letters.
	 *
	 * @param deadLetters the dead letters, oldest first
	 * @param nextAfter the {@code after} parameter of the next page, {@code null} when this is the last
	 */
	@JsonInclude(JsonInclude.Include.ALWAYS)
	public record DeadLettersDescriptor(List<DeadLetterDescriptor> deadLetters, Long nextAfter)
			implements OperationResponseBody {

	}

	/**
	 * One pending dead letter.
	 *
	 * @param id its id, for replaying or deleting it
	 * @param listenerId the listener that failed ({@code redis-sink} for the Redis sink)
	 * @param table the tables of its changes, comma separated; {@code null} for a logical message
	 * @param xid the transaction id of its changes, {@code null} for a logical message
	 * @param commitLsn the commit position of its transaction
	 * @param changes how many changes it holds
	 * @param error the exception of the last attempt
	 * @param attempts how many times it was tried before it was stored
	 * @param createdAt when it was stored
	 */
	@JsonInclude(JsonInclude.Include.ALWAYS)
	public record DeadLetterDescriptor(long id, String listenerId, String table, Long xid, String commitLsn,
			int changes, String error, int attempts, Instant createdAt) {

	}

	/**
	 * The outcome of a replay.
	 *
	 * @param listenerId the listener replayed to
	 * @param replayed the ids replayed successfully, in order
	 * @param failed the id that failed again and stays pending (later ones of the listener were not tried), or
	 * {@code null}
	 * @param error what it failed with, or {@code null}
	 */
	@JsonInclude(JsonInclude.Include.ALWAYS)
	public record ReplayDescriptor(String listenerId, List<Long> replayed, Long failed, String error)
			implements OperationResponseBody {

	}

	/**
	 * The outcome of a delete.
	 *
	 * @param id the dead letter's id
	 * @param deleted whether it existed
	 */
	public record DeleteDescriptor(long id, boolean deleted) implements OperationResponseBody {

	}

}
