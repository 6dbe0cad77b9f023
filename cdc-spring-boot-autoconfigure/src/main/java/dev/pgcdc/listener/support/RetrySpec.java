package dev.pgcdc.listener.support;

import java.time.Duration;

import dev.pgcdc.replication.Backoff;

/**
 * How often and how patiently a listener is retried: up to {@code maxAttempts} tries, waiting
 * {@code initialInterval} after the first failure and {@code multiplier} times longer after each next,
 * never longer than {@code maxInterval}.
 *
 * @param maxAttempts total tries, at least 1
 * @param initialInterval wait after the first failure
 * @param multiplier growth of the wait
 * @param maxInterval longest wait
 * @author pgcdc
 */
public record RetrySpec(int maxAttempts, Duration initialInterval, double multiplier, Duration maxInterval) {

	/**
	 * Return the wait after the given failed attempt.
	 * @param attempt the attempt that failed, from 1
	 * @return how long to wait before the next
	 */
	public long delayMillis(int attempt) {
		return new Backoff(this.initialInterval, this.multiplier, this.maxInterval).delayMillis(attempt);
	}

	/**
	 * Return a copy with another number of attempts.
	 * @param attempts total tries
	 * @return the new spec
	 */
	public RetrySpec withMaxAttempts(int attempts) {
		return new RetrySpec(attempts, this.initialInterval, this.multiplier, this.maxInterval);
	}

}
