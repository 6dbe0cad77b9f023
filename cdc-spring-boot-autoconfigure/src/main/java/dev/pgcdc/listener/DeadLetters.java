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
	 * Return the dead letters not yet replayed, oldest first.
	 * @param limit the most to return
	 * @return the dead letters
	 */
	List<DeadLetter> pending(int limit);

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
