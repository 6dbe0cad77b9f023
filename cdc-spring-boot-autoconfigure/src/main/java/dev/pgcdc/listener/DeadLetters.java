package dev.pgcdc.listener;

import java.util.List;

/**
 * The dead-letter table: events listeners failed on, kept for inspection and replay.
 *
 * <p>{@link #replay(long)} hands the stored event to its listener again, on the caller's thread, once;
 * on success the dead letter is marked replayed, on failure the exception is thrown and the dead letter
 * stays as it was.
 *
 * @author pgcdc
 */
public interface DeadLetters {

	/**
	 * Store a listener's final failure; called by the {@code dead-letter} failure policy. Must not join the
	 * caller's transaction: the failure is kept even if the listener's own work rolls back.
	 * @param failure the failure
	 * @return the new dead letter's id
	 * @throws RuntimeException if it cannot be stored; change data capture then stops, so nothing is lost
	 */
	long store(CdcListenerFailure failure);

	/**
	 * Make sure the store is ready (for example create its table); called once before listeners start.
	 */
	default void initialize() {
	}

	/**
	 * Return the dead letters not yet replayed, oldest first.
	 * @param limit the most to return
	 * @return the dead letters
	 */
	List<DeadLetter> pending(int limit);

	/**
	 * Return a page of the dead letters not yet replayed, oldest first: those of one listener (or of all)
	 * with an id above {@code afterId}. The default filters {@link #pending(int)}; stores override it with
	 * a query.
	 * @param listenerId the listener, {@code null} for all
	 * @param afterId return ids above this one (the last id of the previous page; 0 for the first page)
	 * @param limit the most to return
	 * @return the dead letters
	 */
	default List<DeadLetter> pending(String listenerId, long afterId, int limit) {
		return pending(Integer.MAX_VALUE).stream()
			.filter((deadLetter) -> deadLetter.id() > afterId)
			.filter((deadLetter) -> listenerId == null || listenerId.equals(deadLetter.listenerId()))
			.limit(limit)
			.toList();
	}

	/**
	 * Return one dead letter.
	 * @param id its id
	 * @return the dead letter, or {@code null} if there is none with that id
	 */
	DeadLetter find(long id);

	/**
	 * Deliver a dead letter to its listener again.
	 * @param id its id
	 * @throws IllegalArgumentException if there is no such dead letter or its listener no longer exists
	 * @throws Exception whatever the listener throws
	 */
	void replay(long id) throws Exception;

	/**
	 * Delete a dead letter.
	 * @param id its id
	 * @return whether it existed
	 */
	boolean delete(long id);

}
