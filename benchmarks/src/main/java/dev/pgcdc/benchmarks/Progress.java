package dev.pgcdc.benchmarks;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the rows a reader received and remembers when the first and the last expected row arrived.
 *
 * <p>{@link #arrived()} is all a reader does per row: one atomic increment and two comparisons.
 */
public final class Progress {

	private final long expected;

	private final AtomicLong received = new AtomicLong();

	private final CountDownLatch complete = new CountDownLatch(1);

	private volatile long firstNanos;

	private volatile long lastNanos;

	private final Runnable onComplete;

	/**
	 * Create a counter.
	 * @param expected how many rows make the run complete
	 * @param onComplete called once, by the counting thread, when the last expected row arrived
	 */
	public Progress(long expected, Runnable onComplete) {
		this.expected = expected;
		this.onComplete = onComplete;
	}

	/** Count one row. */
	public void arrived() {
		long count = this.received.incrementAndGet();
		if (count == 1) {
			this.firstNanos = System.nanoTime();
		}
		if (count == this.expected) {
			this.lastNanos = System.nanoTime();
			this.onComplete.run();
			this.complete.countDown();
		}
	}

	/**
	 * Wait until every expected row arrived.
	 * @param timeoutMillis how long to wait at most
	 * @return whether every row arrived in time
	 * @throws InterruptedException if interrupted
	 */
	public boolean await(long timeoutMillis) throws InterruptedException {
		return this.complete.await(timeoutMillis, TimeUnit.MILLISECONDS);
	}

	public boolean isComplete() {
		return this.complete.getCount() == 0;
	}

	public long expected() {
		return this.expected;
	}

	public long received() {
		return this.received.get();
	}

	public long firstNanos() {
		return this.firstNanos;
	}

	public long lastNanos() {
		return this.lastNanos;
	}

}
