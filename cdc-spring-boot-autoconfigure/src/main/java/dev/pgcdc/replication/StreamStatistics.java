package dev.pgcdc.replication;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableId;

/**
 * Counters the engine keeps about what it delivered, for endpoints and metrics; cheap to update on the
 * dispatch thread and safe to read from any thread.
 *
 * @author pgcdc
 */
public final class StreamStatistics {

	private final LongAdder events = new LongAdder();

	private final LongAdder transactions = new LongAdder();

	private final Map<Key, LongAdder> byTableAndOperation = new ConcurrentHashMap<>();

	private final LongAdder connections = new LongAdder();

	private final LongAdder skippedTransactions = new LongAdder();

	private final LongAdder skippedChanges = new LongAdder();


	private final LongAdder streamedTransactions = new LongAdder();


	private final LongAdder streamedBytes = new LongAdder();

	private volatile Instant lastCommitTime;

	private volatile LongConsumer commitLatency;

	private TableId lastTable;

	private Operation lastOperation;

	private LongAdder lastCount;

	private volatile Lsn receivedLsn = Lsn.ZERO;

	void eventDelivered(TableId table, Operation operation) {
		this.events.increment();
		// written by the dispatch thread only; consecutive events mostly share a table and an operation
		if (table != this.lastTable || operation != this.lastOperation) {
			this.lastTable = table;
			this.lastOperation = operation;
			this.lastCount = this.byTableAndOperation.computeIfAbsent(new Key(table, operation),
					(key) -> new LongAdder());
		}
		this.lastCount.increment();
	}

	void transactionDelivered(TransactionCommit commit) {
		this.transactions.increment();
		this.lastCommitTime = commit.commitTime();
		LongConsumer latency = this.commitLatency;
		// snapshot chunks (xid 0) have no commit to measure from
		if (latency != null && commit.xid() != 0) {
			long nanos = Duration.between(commit.commitTime(), Instant.now()).toNanos();
			latency.accept(Math.max(0, nanos));
		}
	}

	/**
	 * Receive, for each transaction, the time from its commit to the end of its dispatch, in nanoseconds
	 * (on the dispatch thread: keep it cheap). The commit time is the server's clock, so clock skew between
	 * the database and the application shows up here.
	 * @param recorder the recorder, or {@code null} to stop recording
	 */
	public void onCommitLatency(LongConsumer recorder) {
		this.commitLatency = recorder;
	}

	void connected() {
		this.connections.increment();
	}

	void received(Lsn lsn) {
		this.receivedLsn = lsn;
	}

	void transactionStreamed(long bytes) {
		this.streamedTransactions.increment();
		this.streamedBytes.add(bytes);
	}

	/**
	 * Return how many transactions the server streamed before their commit and were delivered from a spill
	 * file of their own at it ({@code cdc.slot.streaming}).
	 * @return the number of streamed transactions delivered
	 */
	public long streamedTransactions() {
		return this.streamedTransactions.sum();
	}

	/**
	 * Return the bytes of pgoutput messages of streamed transactions delivered so far.
	 * @return the bytes
	 */
	public long streamedBytes() {
		return this.streamedBytes.sum();
	}

	void transactionSkipped(long changes) {
		this.skippedTransactions.increment();
		this.skippedChanges.add(changes);
	}

	/**
	 * Return how many transactions were marked to be skipped and reached no consumer.
	 * @return the number of skipped transactions
	 */
	public long skippedTransactions() {
		return this.skippedTransactions.sum();
	}

	/**
	 * Return how many row changes and messages of skipped transactions were dropped.
	 * @return the number of dropped items
	 */
	public long skippedChanges() {
		return this.skippedChanges.sum();
	}

	public long events() {
		return this.events.sum();
	}

	/**
	 * Return how many times a replication stream was opened; more than one means reconnections.
	 * @return the number of streams opened
	 */
	public long connections() {
		return this.connections.sum();
	}

	public long transactions() {
		return this.transactions.sum();
	}

	/**
	 * Return events delivered per table.
	 * @return a sorted copy, keyed by {@code schema.table}
	 */
	public Map<String, Long> eventsByTable() {
		Map<String, Long> copy = new TreeMap<>();
		this.byTableAndOperation.forEach((key, count) -> copy.merge(key.table().toString(), count.sum(), Long::sum));
		return copy;
	}

	/**
	 * Return events delivered per table and operation.
	 * @return a sorted copy, keyed by {@code schema.table}, then by operation
	 */
	public Map<String, Map<Operation, Long>> eventsByTableAndOperation() {
		Map<String, Map<Operation, Long>> copy = new TreeMap<>();
		this.byTableAndOperation.forEach((key, count) -> copy
			.computeIfAbsent(key.table().toString(), (table) -> new java.util.EnumMap<>(Operation.class))
			.put(key.operation(), count.sum()));
		return copy;
	}

	/**
	 * Return the events delivered for one table and operation.
	 * @param table the table as {@code schema.table}
	 * @param operation the operation
	 * @return the count, 0 if none
	 */
	public long events(String table, Operation operation) {
		LongAdder count = this.byTableAndOperation.get(new Key(TableId.parse(table), operation));
		return (count != null) ? count.sum() : 0;
	}

	private record Key(TableId table, Operation operation) {
	}

	public Instant lastCommitTime() {
		return this.lastCommitTime;
	}

	public Lsn receivedLsn() {
		return this.receivedLsn;
	}

}
