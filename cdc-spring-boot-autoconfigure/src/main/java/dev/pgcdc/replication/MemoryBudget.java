package dev.pgcdc.replication;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one limit, in bytes, on everything of the engine that holds changes: the reader-to-dispatcher queue,
 * the in-memory part of the transaction being collected (and of collected transactions consumers are still
 * working on), listener worker queues and sink queues.
 *
 * <p>Holders that can spill to disk ask with {@link #tryReserve} and spill when refused; they may use at
 * most half of the budget, so that the queues always have room to move. Queues {@link #reserve wait} for
 * room, which slows the reader instead of growing the heap; a queue that holds nothing is always admitted,
 * so one oversized batch cannot stall the stream. Every reservation is released by its holder once the
 * changes it covers are handled.
 *
 * @author pgcdc
 */
public final class MemoryBudget {

	/** A budget without a practical limit, for consumers used without an engine. */
	public static final MemoryBudget UNBOUNDED = new MemoryBudget(Long.MAX_VALUE / 4);

	private final long maxBytes;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition released = this.lock.newCondition();

	private long used;

	private long spillable;

	private long highWater;

	/**
	 * Create a budget.
	 * @param maxBytes the most the engine's change buffers may hold together
	 */
	public MemoryBudget(long maxBytes) {
		if (maxBytes <= 0) {
			throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
		}
		this.maxBytes = maxBytes;
	}

	/**
	 * Return the budget's size.
	 * @return the limit in bytes
	 */
	public long maxBytes() {
		return this.maxBytes;
	}

	/**
	 * Return the bytes reserved now.
	 * @return the reserved bytes
	 */
	public long usedBytes() {
		this.lock.lock();
		try {
			return this.used;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Return the most bytes ever reserved at once.
	 * @return the high-water mark
	 */
	public long highWaterBytes() {
		this.lock.lock();
		try {
			return this.highWater;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Reserve memory for changes that could go to disk instead; never waits.
	 * @param bytes the estimated heap the changes take
	 * @return whether the reservation was made; if not, the caller spills
	 */
	boolean tryReserve(long bytes) {
		this.lock.lock();
		try {
			if (this.spillable + bytes > this.maxBytes / 2 || this.used + bytes > this.maxBytes) {
				return false;
			}
			this.spillable += bytes;
			add(bytes);
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Release what {@link #tryReserve} reserved.
	 * @param bytes the bytes to release
	 */
	void releaseSpillable(long bytes) {
		this.lock.lock();
		try {
			this.spillable -= bytes;
			subtract(bytes);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Reserve memory for queued changes, waiting up to {@code timeout} for room.
	 * @param bytes the estimated heap the changes take
	 * @param holderEmpty whether the queue asking holds nothing now: then it is admitted at once
	 * @param timeout how long to wait at most
	 * @param unit the unit of the timeout
	 * @return whether the reservation was made
	 * @throws InterruptedException if interrupted while waiting
	 */
	public boolean reserve(long bytes, boolean holderEmpty, long timeout, TimeUnit unit) throws InterruptedException {
		long nanos = unit.toNanos(timeout);
		this.lock.lockInterruptibly();
		try {
			while (!holderEmpty && this.used + bytes > this.maxBytes) {
				if (nanos <= 0) {
					return false;
				}
				nanos = this.released.awaitNanos(nanos);
			}
			add(bytes);
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Reserve memory at once, whatever the room, for what must be taken in now (a marker, the write buffer of
	 * a streamed transaction); released with {@link #release}.
	 * @param bytes the estimated heap
	 */
	void reserveNow(long bytes) {
		this.lock.lock();
		try {
			add(bytes);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Release what {@link #reserve} reserved.
	 * @param bytes the bytes to release
	 */
	public void release(long bytes) {
		if (bytes == 0) {
			return;
		}
		this.lock.lock();
		try {
			subtract(bytes);
		}
		finally {
			this.lock.unlock();
		}
	}

	private void add(long bytes) {
		this.used += bytes;
		if (this.used > this.highWater) {
			this.highWater = this.used;
		}
	}

	private void subtract(long bytes) {
		this.used = Math.max(0, this.used - bytes);
		this.released.signalAll();
	}

}
