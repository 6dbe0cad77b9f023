package dev.pgcdc.redis;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the Redis sink, read by metrics and the actuator endpoint.
 *
 * @author pgcdc
 */
public final class RedisSinkStatistics {

	private final LongAdder commands = new LongAdder();

	private final LongAdder transactions = new LongAdder();

	private final LongAdder replaysSkipped = new LongAdder();

	private final LongAdder retries = new LongAdder();

	private final LongAdder deadLetters = new LongAdder();

	private final LongAdder skipped = new LongAdder();

	private final LongAdder redirections = new LongAdder();

	private volatile String lastError;

	void commands(int count) {
		this.commands.add(count);
	}

	void transactionApplied() {
		this.transactions.increment();
	}

	void replaySkipped() {
		this.replaysSkipped.increment();
	}

	void retried(String error) {
		this.retries.increment();
		this.lastError = error;
	}

	void deadLettered(String error) {
		this.deadLetters.increment();
		this.lastError = error;
	}

	void redirected(int count) {
		this.redirections.add(count);
	}

	void skipped(String error) {
		this.skipped.increment();
		this.lastError = error;
	}

	/** Return the commands sent, fence writes excluded. */
	public long commands() {
		return this.commands.sum();
	}

	/** Return the transactions applied with MULTI/EXEC. */
	public long transactions() {
		return this.transactions.sum();
	}

	/** Return the transactions skipped because the exactly-once fence showed them applied already. */
	public long replaysSkipped() {
		return this.replaysSkipped.sum();
	}

	/** Return the reconnection attempts after Redis was unreachable or answered LOADING and the like. */
	public long retries() {
		return this.retries.sum();
	}

	/** Return the transactions stored as dead letters after Redis refused a command. */
	public long deadLetters() {
		return this.deadLetters.sum();
	}

	/** Return the transactions skipped under {@code failure-policy: skip}. */
	public long skipped() {
		return this.skipped.sum();
	}

	/**
	 * Return the slot blocks a Redis Cluster redirected ({@code MOVED}, {@code ASK}, {@code TRYAGAIN}) and the
	 * sink sent again: resharding and failovers in progress; always 0 on a single Redis.
	 */
	public long redirections() {
		return this.redirections.sum();
	}

	/** Return the last error, or {@code null}. */
	public String lastError() {
		return this.lastError;
	}

}
