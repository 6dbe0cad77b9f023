package dev.pgcdc.replication;

/**
 * The lifecycle state of a {@link ReplicationEngine}.
 *
 * @author pgcdc
 */
public enum EngineState {

	/** Connecting and checking the database for the first time. */
	STARTING,

	/** Reading a snapshot of the captured tables. */
	SNAPSHOTTING,

	/** Reading the replication stream. */
	STREAMING,

	/** Connected, but neither reading nor dispatching, on request. */
	PAUSED,

	/** The connection was lost; waiting to connect again. */
	RECONNECTING,

	/** Another instance holds the slot; waiting to take over. */
	STANDBY,

	/** Stopped by an error that needs a person to fix it. */
	FAILED,

	/** Not running. */
	STOPPED

}
