package dev.pgcdc.replication;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded hand-over between the reader and the dispatcher, limited by both the number of items and
 * the bytes of WAL data they came from, so that a slow consumer slows reading instead of growing the heap.
 *
 * <p>A single batch larger than the limits is still accepted when the queue is empty, so progress is
 * always possible.
 *
 * @author pgcdc
 */
final class EventQueue {

	private final int maxItems;

	private final long maxBytes;

	private final ArrayDeque<EventBatch> batches = new ArrayDeque<>();

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition notEmpty = this.lock.newCondition();

	private final Condition notFull = this.lock.newCondition();

	private int items;

	private long bytes;

	EventQueue(int maxItems, long maxBytes) {
		this.maxItems = maxItems;
		this.maxBytes = maxBytes;
	}

	/**
	 * Put a batch, waiting up to {@code timeout} for room.
	 * @return whether the batch was queued
	 */
	boolean offer(EventBatch batch, long timeout, TimeUnit unit) throws InterruptedException {
		long nanos = unit.toNanos(timeout);
		this.lock.lockInterruptibly();
		try {
			while (!this.batches.isEmpty()
					&& (this.items + batch.size() > this.maxItems || this.bytes + batch.bytes() > this.maxBytes)) {
				if (nanos <= 0) {
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
		this.lock.lock();
		try {
			this.batches.addFirst(batch);
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
