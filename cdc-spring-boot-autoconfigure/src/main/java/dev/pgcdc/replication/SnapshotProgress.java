package dev.pgcdc.replication;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import dev.pgcdc.event.TableId;

/**
 * How far a snapshot has got, table by table: rows read so far against PostgreSQL's estimate.
 *
 * <p>Safe to read from any thread while the snapshot runs; the estimate comes from the planner
 * statistics ({@code pg_class.reltuples}) and is -1 for a table never analyzed.
 *
 * @author pgcdc
 */
public final class SnapshotProgress {

	private final Instant startedAt = Instant.now();

	private final List<Table> tables = new CopyOnWriteArrayList<>();

	private volatile Instant finishedAt;

	Table start(TableId table, long estimatedRows) {
		Table progress = new Table(table, estimatedRows);
		this.tables.add(progress);
		return progress;
	}

	void finish() {
		this.finishedAt = Instant.now();
	}

	public Instant startedAt() {
		return this.startedAt;
	}

	/**
	 * Return when the snapshot finished.
	 * @return the time, or {@code null} while it runs
	 */
	public Instant finishedAt() {
		return this.finishedAt;
	}

	/**
	 * Return the tables started so far, in the order they are read.
	 * @return the per-table progress
	 */
	public List<Table> tables() {
		return List.copyOf(this.tables);
	}

	public long rowsDone() {
		return this.tables.stream().mapToLong(Table::rowsDone).sum();
	}

	/**
	 * The progress of one table.
	 */
	public static final class Table {

		private final TableId table;

		private final long estimatedRows;

		private final AtomicLong rowsDone = new AtomicLong();

		private volatile boolean done;

		Table(TableId table, long estimatedRows) {
			this.table = table;
			this.estimatedRows = estimatedRows;
		}

		void rowRead() {
			this.rowsDone.incrementAndGet();
		}

		void finish() {
			this.done = true;
		}

		public TableId table() {
			return this.table;
		}

		public long estimatedRows() {
			return this.estimatedRows;
		}

		public long rowsDone() {
			return this.rowsDone.get();
		}

		public boolean done() {
			return this.done;
		}

	}

}
