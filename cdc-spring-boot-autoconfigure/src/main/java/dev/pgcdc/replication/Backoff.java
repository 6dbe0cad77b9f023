package dev.pgcdc.replication;

import java.time.Duration;

/**
 * Exponential back-off between reconnection attempts: doubles from the initial interval up to the
 * maximum, and starts over after a success.
 *
 * @author pgcdc
 */
public final class Backoff {

	private final long initialMillis;

	private final long maxMillis;

	private long nextMillis;

	/**
	 * Create a back-off.
	 * @param initial the first delay
	 * @param max the longest delay
	 */
	public Backoff(Duration initial, Duration max) {
		this.initialMillis = Math.max(1, initial.toMillis());
		this.maxMillis = Math.max(this.initialMillis, max.toMillis());
		this.nextMillis = this.initialMillis;
	}

	/**
	 * Return the delay before the next attempt and double the one after, up to the maximum.
	 * @return the delay in milliseconds
	 */
	public long nextDelayMillis() {
		long delay = this.nextMillis;
		this.nextMillis = Math.min(this.maxMillis, this.nextMillis * 2);
		return delay;
	}

	/**
	 * Start over from the initial delay, after a success.
	 */
	public void reset() {
		this.nextMillis = this.initialMillis;
	}

}
