package dev.pgcdc.replication;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded hand-over between the reader and the dispatcher, limited by both the number of items and
 * the bytes of WAL data they came from, so that a slow consumer slows reading instead of growing the heap.
 *
 * <p>The bytes also come out of the engine's {@link MemoryBudget}, from the moment a batch is queued until
 * the dispatcher has handed it on ({@link #release}). A single batch larger than the limits is still
 * accepted when the queue is empty, so progress is always possible.
 *
 * @author pgcdc
 */
final class EventQueue {

	private final int maxItems;

	private final long maxBytes;

	private final MemoryBudget budget;

	private final ArrayDeque<EventBatch> batches = new ArrayDeque<>();

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition notEmpty = this.lock.newCondition();

	private final Condition notFull = this.lock.newCondition();

	private int items;

	private long bytes;

	EventQueue(int maxItems, long maxBytes, MemoryBudget budget) {
		this.maxItems = maxItems;
		this.maxBytes = maxBytes;
		this.budget = budget;
	}

	/**
	 * Put a batch, waiting up to {@code timeout} for room.
	 * @return whether the batch was queued
	 */
	boolean offer(EventBatch batch, long timeout, TimeUnit unit) throws InterruptedException {
		long deadline = System.nanoTime() + unit.toNanos(timeout);
		// reserved outside the lock: the dispatcher must be able to take batches (and so release) meanwhile
		if (!this.budget.reserve(batch.bytes(), isEmpty(), timeout, unit)) {
			return false;
		}
		this.lock.lockInterruptibly();
		try {
			long nanos = deadline - System.nanoTime();
			while (!this.batches.isEmpty()
					&& (this.items + batch.size() > this.maxItems || this.bytes + batch.bytes() > this.maxBytes)) {
				if (nanos <= 0) {
					this.budget.release(batch.bytes());
					return false;
				}
				nanos = this.notFull.awaitNanos(nanos);
			}
			this.batches.addLast(batch);
			this.items += batch.size();
			this.bytes += batch.bytes();
			this.notEmpty.signal();
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Put a batch first, before anything queued, whatever the limits; never waits.
	 * @param batch the batch
	 */
	void offerFirst(EventBatch batch) {
		force(batch, true);
	}

	/**
	 * Put a marker last, after everything queued, whatever the limits; never waits. For the reset after a
	 * lost connection: the dispatcher may be holding at the closed delivery gate, so waiting for room could
	 * wait for ever.
	 * @param batch the batch, a marker of no bytes
	 */
	void offerLastAnyway(EventBatch batch) {
		force(batch, false);
	}

	private void force(EventBatch batch, boolean first) {
		this.budget.reserveNow(batch.bytes());
		this.lock.lock();
		try {
			if (first) {
				this.batches.addFirst(batch);
			}
			else {
				this.batches.addLast(batch);
			}
			this.items += batch.size();
			this.bytes += batch.bytes();
			this.notEmpty.signal();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Take the oldest batch, waiting up to {@code timeout}.
	 * @return the batch, or {@code null} if none came
	 */
	EventBatch poll(long timeout, TimeUnit unit) throws InterruptedException {
		long nanos = unit.toNanos(timeout);
		this.lock.lockInterruptibly();
		try {
			while (this.batches.isEmpty()) {
				if (nanos <= 0) {
					return null;
				}
				nanos = this.notEmpty.awaitNanos(nanos);
			}
			EventBatch batch = this.batches.removeFirst();
			this.items -= batch.size();
			this.bytes -= batch.bytes();
			this.notFull.signal();
			return batch;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * The dispatcher has handed a batch it took on: its bytes go back to the budget.
	 * @param batch the batch
	 */
	void release(EventBatch batch) {
		this.budget.release(batch.bytes());
	}

	private boolean isEmpty() {
		this.lock.lock();
		try {
			return this.batches.isEmpty();
		}
		finally {
			this.lock.unlock();
		}
	}

	int size() {
		this.lock.lock();
		try {
			return this.items;
		}
		finally {
			this.lock.unlock();
		}
	}

	void clear() {
		this.lock.lock();
		try {
			for (EventBatch batch : this.batches) {
				this.budget.release(batch.bytes());
			}
			this.batches.clear();
			this.items = 0;
			this.bytes = 0;
			this.notFull.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

}
