package dev.pgcdc.event;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * One committed row change (or snapshot row) of a captured table, immutable.
 *
 * <p>{@link #before()} is the old image of an UPDATE or DELETE: the key columns, or the whole old
 * row when the table has {@code REPLICA IDENTITY FULL}, and {@code null} when PostgreSQL sent no
 * old image (an UPDATE that did not change the key). {@link #after()} is the new image of an
 * INSERT, UPDATE or SNAPSHOT. Events are delivered in commit order, at least once: after a crash the
 * last unacknowledged transactions may be delivered again, so consumers should be idempotent (or use
 * {@link #commitLsn()} to discard replays).
 *
 * @author pgcdc
 */
public final class ChangeEvent {

	private final Operation operation;

	private final TableId table;

	private final Row before;

	private final Row after;

	private final Lsn lsn;

	private final Lsn commitLsn;

	private final long xid;

	private final Instant commitTime;

	private volatile Set<String> changedColumns;

	/**
	 * Create an event.
	 * @param operation the operation
	 * @param table the table
	 * @param before the old image or {@code null}
	 * @param after the new image or {@code null}
	 * @param lsn the position of the change in the WAL (the commit position where the server does not give one)
	 * @param commitLsn the position of the commit record of the transaction
	 * @param xid the transaction id
	 * @param commitTime when the transaction committed
	 */
	public ChangeEvent(Operation operation, TableId table, Row before, Row after, Lsn lsn, Lsn commitLsn, long xid,
			Instant commitTime) {
		this.operation = Objects.requireNonNull(operation, "operation must not be null");
		this.table = Objects.requireNonNull(table, "table must not be null");
		this.before = before;
		this.after = after;
		this.lsn = Objects.requireNonNull(lsn, "lsn must not be null");
		this.commitLsn = Objects.requireNonNull(commitLsn, "commitLsn must not be null");
		this.xid = xid;
		this.commitTime = Objects.requireNonNull(commitTime, "commitTime must not be null");
	}

	public Operation operation() {
		return this.operation;
	}

	public TableId table() {
		return this.table;
	}

	/**
	 * Return the old image: key columns, or the full old row under {@code REPLICA IDENTITY FULL}.
	 * @return the old image of an UPDATE or DELETE, else {@code null}
	 */
	public Row before() {
		return this.before;
	}

	/**
	 * Return the new image.
	 * @return the new image of an INSERT, UPDATE or SNAPSHOT, else {@code null}
	 */
	public Row after() {
		return this.after;
	}

	/**
	 * Return the image that describes the row: {@link #after()} if present, else {@link #before()}.
	 * @return the row, {@code null} only for TRUNCATE
	 */
	public Row row() {
		return (this.after != null) ? this.after : this.before;
	}

	/**
	 * Return the columns whose value differs between the old and the new image of an UPDATE,
	 * among the columns the old image carries (all of them under {@code REPLICA IDENTITY FULL}, the
	 * key otherwise). Unchanged TOAST values never count as changed.
	 * @return the changed columns in table order, empty without an old image
	 */
	public Set<String> changedColumns() {
		Set<String> result = this.changedColumns;
		if (result == null) {
			result = computeChangedColumns();
			this.changedColumns = result;
		}
		return result;
	}

	private Set<String> computeChangedColumns() {
		if (this.operation != Operation.UPDATE || this.before == null || this.after == null) {
			return Collections.emptySet();
		}
		Set<String> changed = new LinkedHashSet<>();
		for (String column : this.after.columns()) {
			if (!this.before.contains(column) || this.after.isUnchanged(column) || this.before.isUnchanged(column)) {
				continue;
			}
			if (!Objects.deepEquals(this.before.get(column), this.after.get(column))) {
				changed.add(column);
			}
		}
		return Collections.unmodifiableSet(changed);
	}

	/**
	 * Return the WAL position of this change.
	 * @return the position of the change's own record
	 */
	public Lsn lsn() {
		return this.lsn;
	}

	/**
	 * Return the WAL position of the transaction's commit record, the same for every change of one
	 * transaction and increasing from one transaction to the next.
	 * @return the commit position
	 */
	public Lsn commitLsn() {
		return this.commitLsn;
	}

	public long xid() {
		return this.xid;
	}

	public Instant commitTime() {
		return this.commitTime;
	}

	@Override
	public String toString() {
		StringBuilder text = new StringBuilder("ChangeEvent{").append(this.operation).append(' ').append(this.table);
		if (this.before != null) {
			text.append(" before=").append(this.before);
		}
		if (this.after != null) {
			text.append(" after=").append(this.after);
		}
		return text.append(" lsn=").append(this.lsn).append(" commitLsn=").append(this.commitLsn).append(" xid=")
			.append(this.xid).append('}').toString();
	}

}
