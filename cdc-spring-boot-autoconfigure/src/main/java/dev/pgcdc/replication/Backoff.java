package dev.pgcdc.replication;

import java.time.Duration;

/**
 * Exponential back-off between attempts: the first wait is the initial interval, each next one
 * {@code multiplier} times longer, never longer than the maximum; {@link #reset()} after a success starts
 * over. Meant as the one back-off of pgcdc: engine reconnects use it, and listener and Redis retries can.
 *
 * <p>Not thread-safe: each retrying loop owns its instance.
 *
 * @author pgcdc
 */
public final class Backoff {

	private final long initialMillis;

	private final double multiplier;

	private final long maxMillis;

	private long nextMillis;

	private int attempts;

	/**
	 * Create a back-off that doubles its wait.
	 * @param initial the first wait, at least one millisecond is used
	 * @param max the longest wait; a maximum shorter than the initial wait is the initial wait
	 */
	public Backoff(Duration initial, Duration max) {
		this(initial, 2.0, max);
	}

	/**
	 * Create a back-off.
	 * @param initial the first wait, at least one millisecond is used
	 * @param multiplier how much longer each next wait is, at least 1
	 * @param max the longest wait; a maximum shorter than the initial wait is the initial wait
	 */
	public Backoff(Duration initial, double multiplier, Duration max) {
		if (!(multiplier >= 1.0)) {
			throw new IllegalArgumentException("multiplier must be at least 1, not " + multiplier);
		}
		this.initialMillis = Math.max(1, initial.toMillis());
		this.multiplier = multiplier;
		this.maxMillis = Math.max(this.initialMillis, max.toMillis());
		this.nextMillis = this.initialMillis;
	}

	/**
	 * Return the wait before the next attempt, and make the one after longer.
	 * @return the wait in milliseconds
	 */
	public long nextDelayMillis() {
		long delay = this.nextMillis;
		this.nextMillis = (long) Math.min(this.maxMillis, this.nextMillis * this.multiplier);
		this.attempts++;
		return delay;
	}

	/**
	 * Return the wait before the next attempt, and make the one after longer.
	 * @return the wait
	 */
	public Duration nextDelay() {
		return Duration.ofMillis(nextDelayMillis());
	}

	/**
	 * Return how many waits were handed out since creation or the last {@link #reset()}: the number of
	 * failed attempts, for a bound on retries.
	 * @return the number of waits
	 */
	public int attempts() {
		return this.attempts;
	}

	/**
	 * Start over from the initial wait, after a success.
	 */
	public void reset() {
		this.nextMillis = this.initialMillis;
		this.attempts = 0;
	}

}
