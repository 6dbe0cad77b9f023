package dev.pgcdc.replication;

import java.time.Duration;

/**
 * Exponential back-off between reconnection attempts: doubles from the initial interval up to the
 * maximum, and starts over after a success.
 *
 * @author pgcdc
 */
final class Backoff {

	private final long initialMillis;

	private final long maxMillis;

	private long nextMillis;

	Backoff(Duration initial, Duration max) {
		this.initialMillis = Math.max(1, initial.toMillis());
		this.maxMillis = Math.max(this.initialMillis, max.toMillis());
		this.nextMillis = this.initialMillis;
	}

	long nextDelayMillis() {
		long delay = this.nextMillis;
		this.nextMillis = Math.min(this.maxMillis, this.nextMillis * 2);
		return delay;
	}

	void reset() {
		this.nextMillis = this.initialMillis;
	}

}
