package dev.pgcdc.event;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * All row changes of one committed transaction, in the order they were made.
 *
 * <p>Published after the transaction's last change; a consumer that needs transaction boundaries
 * (apply a whole transaction atomically, count per transaction) takes this instead of single
 * {@link ChangeEvent}s. Very large transactions are held on disk rather than in memory, so iterate
 * {@link #changes()} rather than indexing it at random.
 *
 * @author pgcdc
 */
public final class TransactionEvent {

	private final long xid;

	private final Lsn commitLsn;

	private final Instant commitTime;

	private final List<ChangeEvent> changes;

	/**
	 * Create a transaction event.
	 * @param xid the transaction id
	 * @param commitLsn the position of the commit record
	 * @param commitTime the commit time
	 * @param changes the changes, in order
	 */
	public TransactionEvent(long xid, Lsn commitLsn, Instant commitTime, List<ChangeEvent> changes) {
		this.xid = xid;
		this.commitLsn = Objects.requireNonNull(commitLsn, "commitLsn must not be null");
		this.commitTime = Objects.requireNonNull(commitTime, "commitTime must not be null");
		this.changes = Objects.requireNonNull(changes, "changes must not be null");
	}

	public long xid() {
		return this.xid;
	}

	public Lsn commitLsn() {
		return this.commitLsn;
	}

	public Instant commitTime() {
		return this.commitTime;
	}

	/**
	 * Return the transaction's changes in WAL order.
	 * @return an unmodifiable list
	 */
	public List<ChangeEvent> changes() {
		return this.changes;
	}

	@Override
	public String toString() {
		return "TransactionEvent{xid=" + this.xid + " commitLsn=" + this.commitLsn + " changes=" + this.changes.size()
				+ "}";
	}

}
