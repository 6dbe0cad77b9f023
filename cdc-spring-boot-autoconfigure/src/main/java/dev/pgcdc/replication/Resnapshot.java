package dev.pgcdc.replication;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.pgcdc.event.TableId;

/**
 * A re-snapshot of tables while streaming continues, as started by
 * {@link ReplicationEngine#resnapshot(List)}: its tables, its progress, and how it ended.
 *
 * <p>Safe to read from any thread.
 *
 * @author pgcdc
 */
public final class Resnapshot {

	/**
	 * Where a re-snapshot stands.
	 */
	public enum Status {

		/** Reading chunks. */
		RUNNING,

		/** Every table was read and delivered to every consumer. */
		DONE,

		/** The engine stopped first; the re-snapshot continues after its last delivered chunk on the next start. */
		STOPPED,

		/** An error ended it; {@link #failure()} says which. It continues after its last delivered chunk on the next start. */
		FAILED

	}

	private final List<TableId> tables;

	private final SnapshotProgress progress = new SnapshotProgress();

	private final CompletableFuture<Status> completion = new CompletableFuture<>();

	private volatile Status status = Status.RUNNING;

	private volatile String failure;

	Resnapshot(List<TableId> tables) {
		this.tables = List.copyOf(tables);
	}

	/**
	 * Return the tables to read, in order.
	 * @return the tables
	 */
	public List<TableId> tables() {
		return this.tables;
	}

	/**
	 * Return the rows read so far per table, against the planner's estimate. For a re-snapshot that continues
	 * an interrupted one, the rows read in this run.
	 * @return the progress
	 */
	public SnapshotProgress progress() {
		return this.progress;
	}

	public Status status() {
		return this.status;
	}

	/**
	 * Return whether the re-snapshot ended, one way or another.
	 * @return {@code true} unless it is {@link Status#RUNNING}
	 */
	public boolean isFinished() {
		return this.status != Status.RUNNING;
	}

	/**
	 * Return the error that ended the re-snapshot.
	 * @return the message, or {@code null}
	 */
	public String failure() {
		return this.failure;
	}

	/**
	 * Return a future completed with the final status when the re-snapshot ends.
	 * @return the completion
	 */
	public CompletableFuture<Status> completion() {
		return this.completion.copy();
	}

	void finish(Status status, String failure) {
		this.failure = failure;
		this.status = status;
		if (status == Status.DONE) {
			this.progress.finish();
		}
		this.completion.complete(status);
	}

}
