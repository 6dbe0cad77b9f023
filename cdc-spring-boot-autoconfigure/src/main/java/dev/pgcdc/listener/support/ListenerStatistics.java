package dev.pgcdc.listener.support;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one listener: calls, failed calls, dead letters, skipped events. Safe to read from any
 * thread.
 *
 * @author pgcdc
 */
public final class ListenerStatistics {

	private final LongAdder invocations = new LongAdder();

	private final LongAdder failures = new LongAdder();

	private final LongAdder deadLettered = new LongAdder();

	private final LongAdder skipped = new LongAdder();

	void invoked() {
		this.invocations.increment();
	}

	void failed() {
		this.failures.increment();
	}

	void deadLettered() {
		this.deadLettered.increment();
	}

	void skipped() {
		this.skipped.increment();
	}

	/**
	 * Return how many times the listener was called, retries included.
	 * @return the number of calls
	 */
	public long invocations() {
		return this.invocations.sum();
	}

	/**
	 * Return how many calls threw.
	 * @return the number of failed calls
	 */
	public long failures() {
		return this.failures.sum();
	}

	public long deadLetteredCount() {
		return this.deadLettered.sum();
	}

	public long skippedCount() {
		return this.skipped.sum();
	}

}
