package dev.pgcdc.rabbit;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import dev.pgcdc.event.Lsn;

/**
 * Counters and state of the RabbitMQ sink, for metrics and {@code /actuator/cdc}.
 *
 * @author pgcdc
 */
public final class RabbitSinkStatistics {

	private final AtomicLong published = new AtomicLong();

	private final AtomicLong confirmed = new AtomicLong();

	private final AtomicLong returned = new AtomicLong();

	private final AtomicLong nacked = new AtomicLong();

	private final AtomicLong deadLettered = new AtomicLong();

	private final AtomicLong skipped = new AtomicLong();

	private final AtomicLong retries = new AtomicLong();

	private volatile RabbitSinkState state = RabbitSinkState.STARTING;

	private volatile String lastError;

	private IntSupplier backlog = () -> 0;

	private LongSupplier backlogBytes = () -> 0;

	private Supplier<Lsn> confirmedLsn = () -> Lsn.ZERO;

	void bind(IntSupplier backlog, LongSupplier backlogBytes, Supplier<Lsn> confirmedLsn) {
		this.backlog = backlog;
		this.backlogBytes = backlogBytes;
		this.confirmedLsn = confirmedLsn;
	}

	void messagePublished() {
		this.published.incrementAndGet();
	}

	void confirmed(long count) {
		this.confirmed.addAndGet(count);
	}

	void messageReturned() {
		this.returned.incrementAndGet();
	}

	void messageNacked() {
		this.nacked.incrementAndGet();
	}

	void deadLettered(String what) {
		this.deadLettered.incrementAndGet();
		this.lastError = what;
	}

	void skipped(String what) {
		this.skipped.incrementAndGet();
		this.lastError = what;
	}

	void retried(String error) {
		this.retries.incrementAndGet();
		this.lastError = error;
	}

	void state(RabbitSinkState state) {
		this.state = state;
	}

	void failed(String error) {
		this.state = RabbitSinkState.FAILED;
		this.lastError = error;
	}

	/** Messages published, including those published again after a reconnection. */
	public long published() {
		return this.published.get();
	}

	/** Messages the broker confirmed. */
	public long confirmed() {
		return this.confirmed.get();
	}

	/** Messages the broker returned as unroutable. */
	public long returned() {
		return this.returned.get();
	}

	/** Messages the broker refused (basic.nack). */
	public long nacked() {
		return this.nacked.get();
	}

	/** Returned or refused messages stored in the dead-letter table. */
	public long deadLetters() {
		return this.deadLettered.get();
	}

	/** Returned or refused messages skipped. */
	public long skipped() {
		return this.skipped.get();
	}

	/** Attempts to reach the broker again after it failed. */
	public long retries() {
		return this.retries.get();
	}

	/** The connection's state. */
	public RabbitSinkState state() {
		return this.state;
	}

	/** Messages not confirmed yet: what waits for the broker. */
	public int backlog() {
		return this.backlog.getAsInt();
	}

	/** The heap the messages not confirmed yet take, reserved from the engine's memory budget. */
	public long backlogBytes() {
		return this.backlogBytes.getAsLong();
	}

	/** The end of the last transaction whose messages were all confirmed. */
	public Lsn confirmedLsn() {
		return this.confirmedLsn.get();
	}

	/** The last error, {@code null} if none. */
	public String lastError() {
		return this.lastError;
	}

	/**
	 * Describe the sink for {@code /actuator/cdc}.
	 * @return state, backlog, confirmed position, counters and the last error
	 */
	public Map<String, Object> describe() {
		Map<String, Object> description = new LinkedHashMap<>();
		description.put("state", state().name());
		description.put("backlog", backlog());
		description.put("backlogBytes", backlogBytes());
		Lsn lsn = confirmedLsn();
		description.put("confirmedLsn", (lsn != null && lsn.isValid()) ? lsn.toString() : null);
		description.put("published", published());
		description.put("confirmed", confirmed());
		description.put("returned", returned());
		description.put("nacked", nacked());
		description.put("deadLettered", deadLetters());
		description.put("skipped", skipped());
		description.put("retries", retries());
		description.put("lastError", lastError());
		return description;
	}

}
