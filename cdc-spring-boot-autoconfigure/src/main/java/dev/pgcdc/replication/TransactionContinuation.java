package dev.pgcdc.replication;

/**
 * Lets a transaction cut off by a lost connection continue where it stopped instead of starting over.
 *
 * <p>The reader hands a large transaction to the dispatcher in several batches, and consumers that take
 * changes one by one handle the first ones before the commit arrives. When the connection drops in the
 * middle, the server sends the whole transaction again from its start after the reconnection (decoding the
 * same WAL gives the same messages in the same order). Forgetting the partial transaction would hand its
 * first part to those consumers a second time, without any crash; instead the reader remembers how many
 * items of the transaction the dispatcher already got and skips as many when the same transaction (same
 * commit position) arrives again. Consumers that buffer whole transactions keep their buffer and get the
 * rest. Only when something else arrives first (or the engine stops in between) are they told to forget
 * the partial transaction ({@link StreamMarker.StreamReset}).
 *
 * <p>Items that are not sent again identically (rows of a re-snapshot chunk, released by a watermark in
 * the transaction) make the transaction start over, as before. Used by the reader thread only.
 *
 * @author pgcdc
 */
final class TransactionContinuation {

	private static final long NONE = -1;

	/** How a transaction's first message relates to one interrupted before. */
	enum Start {

		/** Nothing was interrupted: an ordinary transaction. */
		NEW,

		/** The interrupted transaction again: skip what was delivered, do not begin it a second time. */
		CONTINUED,

		/** Another transaction came first: the interrupted one's partial state must be forgotten. */
		NEW_AFTER_ABANDONED

	}

	private boolean open;

	private long commitLsn = NONE;

	private int added;

	private int handedOver;

	private boolean continuable;

	private int skip;

	private long pendingCommitLsn = NONE;

	private int pendingItems;

	/**
	 * A transaction begins.
	 * @param commitLsn its commit position (the Begin message's final LSN)
	 * @return how it relates to an interrupted one
	 */
	Start begin(long commitLsn) {
		Start start;
		if (this.pendingCommitLsn == NONE) {
			start = Start.NEW;
		}
		else if (this.pendingCommitLsn == commitLsn) {
			start = Start.CONTINUED;
		}
		else {
			start = Start.NEW_AFTER_ABANDONED;
		}
		if (start == Start.CONTINUED) {
			this.skip = this.pendingItems;
			this.added = this.pendingItems;
			this.handedOver = this.pendingItems;
		}
		else {
			this.skip = 0;
			this.added = 0;
			this.handedOver = 0;
			this.continuable = true;
		}
		this.pendingCommitLsn = NONE;
		this.open = true;
		this.commitLsn = commitLsn;
		return start;
	}

	/**
	 * An item of the open transaction (a change, a transactional message) is about to be queued.
	 * @return whether to queue it; {@code false} for items the dispatcher got before the connection dropped
	 */
	boolean keep() {
		if (this.skip > 0) {
			this.skip--;
			return false;
		}
		this.added++;
		return true;
	}

	/** An item that a new connection would not send identically was queued: start over if cut off. */
	void notContinuable() {
		this.continuable = false;
	}

	/** The batch holding everything added so far reached the dispatcher. */
	void handedOver() {
		this.handedOver = this.added;
	}

	/**
	 * Whether nothing of the open transaction has reached the dispatcher and it would be sent again
	 * identically: a connection lost before its batch is queued then loses nothing a consumer holds.
	 */
	boolean nothingQueued() {
		return this.open && this.handedOver == 0 && this.continuable;
	}

	/** The open transaction's commit reached the dispatcher, or is in a batch that nothing queued yet. */
	void committed() {
		this.open = false;
	}

	/**
	 * The connection dropped.
	 * @return whether the consumers must forget a partial transaction now
	 */
	boolean interrupted() {
		if (!this.open) {
			// between transactions: keep a transaction still waiting to continue
			return this.pendingCommitLsn == NONE;
		}
		this.open = false;
		if (this.handedOver > 0 && this.continuable) {
			this.pendingCommitLsn = this.commitLsn;
			this.pendingItems = this.handedOver;
			return false;
		}
		return true;
	}

	/**
	 * Give up a transaction waiting to continue, or open when the engine stopped (it starts again).
	 * @return whether there was one, so that the consumers must forget its partial state
	 */
	boolean abandon() {
		boolean pending = this.pendingCommitLsn != NONE || this.open;
		this.pendingCommitLsn = NONE;
		this.open = false;
		return pending;
	}

}
