package dev.pgcdc.autoconfigure;

import java.time.Duration;

import dev.pgcdc.listener.FailurePolicy;

/**
 * How {@code @CdcListener} methods are retried and what happens when they keep failing.
 *
 * @author pgcdc
 */
public class CdcListenerProperties {

	/**
	 * What to do with an event a listener still fails on after the last attempt: dead-letter (store it
	 * in the dead-letter table and go on), stop (stop capturing; the event is delivered again after a
	 * restart), or skip (log it and go on).
	 */
	private FailurePolicy failurePolicy = FailurePolicy.DEAD_LETTER;

	/**
	 * Table for dead letters, optionally schema-qualified; created on start when a listener may need it.
	 */
	private String deadLetterTable = "cdc_dead_letter";

	private final Retry retry = new Retry();

	public FailurePolicy getFailurePolicy() {
		return this.failurePolicy;
	}

	public void setFailurePolicy(FailurePolicy failurePolicy) {
		this.failurePolicy = failurePolicy;
	}

	public String getDeadLetterTable() {
		return this.deadLetterTable;
	}

	public void setDeadLetterTable(String deadLetterTable) {
		this.deadLetterTable = deadLetterTable;
	}

	public Retry getRetry() {
		return this.retry;
	}

	/**
	 * Retries of a failing listener, with exponential back-off; a listener can set its own
	 * {@code maxAttempts}.
	 */
	public static class Retry {

		/**
		 * Total attempts per event, the first one included.
		 */
		private int maxAttempts = 3;

		/**
		 * Wait after the first failure.
		 */
		private Duration initialInterval = Duration.ofMillis(200);

		/**
		 * Factor by which the wait grows after each further failure.
		 */
		private double multiplier = 2.0;

		/**
		 * Longest wait between attempts.
		 */
		private Duration maxInterval = Duration.ofSeconds(10);

		public int getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public Duration getInitialInterval() {
			return this.initialInterval;
		}

		public void setInitialInterval(Duration initialInterval) {
			this.initialInterval = initialInterval;
		}

		public double getMultiplier() {
			return this.multiplier;
		}

		public void setMultiplier(double multiplier) {
			this.multiplier = multiplier;
		}

		public Duration getMaxInterval() {
			return this.maxInterval;
		}

		public void setMaxInterval(Duration maxInterval) {
			this.maxInterval = maxInterval;
		}

	}

}
