package dev.pgcdc.replication;

import java.util.List;
import java.util.Objects;

/**
 * Re-snapshots tables on demand while streaming continues: for a new read model, a repaired Redis or a
 * new listener. Rows arrive as {@link dev.pgcdc.event.Operation#SNAPSHOT} events, interleaved with live
 * changes so that a snapshot row never overwrites a newer streamed change.
 *
 * <pre>{@code
 * Resnapshot run = snapshots.snapshot("public.orders");
 * run.completion().join();
 * }</pre>
 *
 * @author pgcdc
 * @see ReplicationEngine#resnapshot(List)
 */
public class CdcSnapshots {

	private final ReplicationEngine engine;

	public CdcSnapshots(ReplicationEngine engine) {
		this.engine = Objects.requireNonNull(engine, "engine must not be null");
	}

	/**
	 * Start re-reading tables in the background; one re-snapshot runs at a time.
	 * @param tables the tables, {@code "orders"} meaning {@code public.orders}
	 * @return the running re-snapshot
	 * @throws IllegalStateException if the engine is not streaming or a re-snapshot runs
	 * @throws IllegalArgumentException if a table is not published or has no primary key
	 */
	public Resnapshot snapshot(String... tables) {
		return this.engine.resnapshot(List.of(tables));
	}

	/**
	 * Return the re-snapshot running, or the last one run.
	 * @return the re-snapshot or {@code null}
	 */
	public Resnapshot current() {
		return this.engine.lastResnapshot();
	}

	/**
	 * Return the progress of the re-snapshot running or last run.
	 * @return per-table rows read against the estimate, or {@code null}
	 */
	public SnapshotProgress progress() {
		return this.engine.resnapshotProgress();
	}

}
