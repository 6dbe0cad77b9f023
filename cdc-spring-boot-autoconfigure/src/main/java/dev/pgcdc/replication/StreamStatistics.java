package dev.pgcdc.replication;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import dev.pgcdc.event.Lsn;
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

	private final Map<TableId, LongAdder> byTable = new ConcurrentHashMap<>();

	private final LongAdder connections = new LongAdder();

	private volatile Instant lastCommitTime;

	private TableId lastTable;

	private LongAdder lastTableCount;

	private volatile Lsn receivedLsn = Lsn.ZERO;

	void eventDelivered(TableId table) {
		this.events.increment();
		// written by the dispatch thread only; consecutive events mostly share a table
		if (table != this.lastTable) {
			this.lastTable = table;
			this.lastTableCount = this.byTable.computeIfAbsent(table, (key) -> new LongAdder());
		}
		this.lastTableCount.increment();
	}

	void transactionDelivered(Instant commitTime) {
		this.transactions.increment();
		this.lastCommitTime = commitTime;
	}

	void connected() {
		this.connections.increment();
	}

	void received(Lsn lsn) {
		this.receivedLsn = lsn;
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
		this.byTable.forEach((table, count) -> copy.put(table.toString(), count.sum()));
		return copy;
	}

	public Instant lastCommitTime() {
		return this.lastCommitTime;
	}

	public Lsn receivedLsn() {
		return this.receivedLsn;
	}

}
