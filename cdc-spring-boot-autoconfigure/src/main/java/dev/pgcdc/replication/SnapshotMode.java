package dev.pgcdc.replication;

/**
 * When the engine reads a snapshot of the captured tables.
 *
 * @author pgcdc
 */
public enum SnapshotMode {

	/** Never: only changes made after the slot was created are delivered. */
	NEVER,

	/**
	 * When the slot is created (and again if that snapshot was interrupted): every existing row arrives as a
	 * SNAPSHOT event, then streaming continues exactly where the snapshot ends.
	 */
	INITIAL,

	/** Read a snapshot once, on a temporary slot, and stop. */
	INITIAL_ONLY

}
