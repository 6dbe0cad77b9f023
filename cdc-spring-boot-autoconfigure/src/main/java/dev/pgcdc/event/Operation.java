package dev.pgcdc.event;

/**
 * The kind of row change a {@link ChangeEvent} describes.
 *
 * <p>{@link #SNAPSHOT} marks a row read by a snapshot rather than a change taken from the
 * write-ahead log; consumers that build state treat it like an upsert.
 *
 * @author pgcdc
 */
public enum Operation {

	/** A row was inserted. */
	INSERT,

	/** A row was updated. */
	UPDATE,

	/** A row was deleted. */
	DELETE,

	/** The whole table was truncated; the event carries no row. */
	TRUNCATE,

	/** A row read by a snapshot of the table. */
	SNAPSHOT

}
