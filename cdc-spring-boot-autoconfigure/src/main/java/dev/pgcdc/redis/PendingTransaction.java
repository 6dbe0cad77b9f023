package dev.pgcdc.redis;

import java.util.List;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.replication.MemoryBudget;
import dev.pgcdc.replication.TransactionCommit;

/**
 * A committed transaction waiting for the writer: its commit and the changes of the tables the sink
 * handles (none for a transaction that only touched other tables; it still passes through so that the
 * completed position moves in commit order).
 *
 * @param commit the commit
 * @param changes the changes to apply, in order: a view of the engine's shared transaction, paged from disk
 * for a large one, so read it by iterating
 * @param memory the budget the queued transaction holds memory of
 * @param bytes how much it holds, until it is applied or dropped
 * @param epoch the engine's delivery epoch it was queued under (see {@link dev.pgcdc.replication.DeliveryGate})
 * @author pgcdc
 */
record PendingTransaction(TransactionCommit commit, List<ChangeEvent> changes, MemoryBudget memory, long bytes,
		long epoch) {

	PendingTransaction(TransactionCommit commit, List<ChangeEvent> changes) {
		this(commit, changes, MemoryBudget.UNBOUNDED, 0, 0);
	}

	/** The writer is done with this transaction: its memory goes back to the budget. */
	void release() {
		this.memory.release(this.bytes);
	}

	/**
	 * Return whether the exactly-once fence applies: real transactions only, not the chunks of an initial
	 * snapshot, which share one position and have nothing to confirm.
	 * @return whether the transaction is fenced
	 */
	boolean fenced() {
		return this.commit.endLsn().isValid() && this.commit.xid() != 0;
	}

}
