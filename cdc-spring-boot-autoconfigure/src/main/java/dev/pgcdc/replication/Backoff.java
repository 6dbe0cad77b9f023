package dev.pgcdc.replication;

import java.time.Duration;

/**
 * Exponential back-off, the one used everywhere pgcdc waits before trying again: engine reconnects,
 * listener retries and sink retries. The wait starts at the initial interval, grows by the multiplier
 * after each failure up to the maximum, and starts over after {@link #reset()}.
 *
 * <p>Not thread-safe: each retrying thread keeps its own.
 *
 * @author pgcdc
 */
public final class Backoff {

	private final long initialMillis;

	private final double multiplier;

	private final long maxMillis;

	private int failures;

	/**
	 * Create a back-off that doubles.
	 * @param initial the first wait
	 * @param max the longest wait
	 */
	public Backoff(Duration initial, Duration max) {
		this(initial, 2.0, max);
	}

	/**
	 * Create a back-off.
	 * @param initial the first wait
	 * @param multiplier how much longer each next wait is, at least 1
	 * @param max the longest wait
	 */
	public Backoff(Duration initial, double multiplier, Duration max) {
		if (!(multiplier >= 1.0)) {
			throw new IllegalArgumentException("multiplier must be at least 1, not " + multiplier);
		}
		this.initialMillis = Math.max(1, initial.toMillis());
		this.multiplier = multiplier;
		this.maxMillis = Math.max(this.initialMillis, max.toMillis());
	}

	/**
	 * Return the wait after the given failed attempt, without changing this back-off.
	 * @param attempt the attempt that failed, from 1
	 * @return the wait in milliseconds
	 */
	public long delayMillis(int attempt) {
		double delay = this.initialMillis * Math.pow(this.multiplier, Math.max(0, attempt - 1));
		return (long) Math.min(delay, this.maxMillis);
	}

	/**
	 * Count a failure and return the wait before the next attempt.
	 * @return the wait in milliseconds
	 */
	public long nextDelayMillis() {
		this.failures++;
		return delayMillis(this.failures);
	}

	/**
	 * Count a failure and return the wait before the next attempt.
	 * @return the wait
	 */
	public Duration nextDelay() {
		return Duration.ofMillis(nextDelayMillis());
	}

	/**
	 * Return how many failures were counted since the last {@link #reset()}.
	 * @return the failures
	 */
	public int attempts() {
		return this.failures;
	}

	/**
	 * Start over after a success.
	 */
	public void reset() {
		this.failures = 0;
	}

}
