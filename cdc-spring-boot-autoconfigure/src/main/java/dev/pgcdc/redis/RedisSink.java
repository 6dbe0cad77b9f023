package dev.pgcdc.redis;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.TableId;
import dev.pgcdc.event.TransactionEvent;
import dev.pgcdc.listener.DeadLetters;
import dev.pgcdc.listener.FailurePolicy;
import dev.pgcdc.replication.ChangeConsumer;
import dev.pgcdc.replication.EngineControl;
import dev.pgcdc.replication.ChangeSize;
import dev.pgcdc.replication.FilteredChanges;
import dev.pgcdc.replication.MemoryBudget;
import dev.pgcdc.replication.TransactionCommit;

import org.springframework.context.SmartLifecycle;

/**
 * The Redis sinks as one engine consumer: Redis Streams and command templates, applied in commit order,
 * one MULTI/EXEC block per transaction, by a writer thread of its own.
 *
 * <p>Create it with {@link RedisSinkFactory}; Spring Boot does so from the {@code cdc.redis.*} properties.
 * The engine confirms a transaction to PostgreSQL only once this sink has applied it
 * ({@link #completedPosition()}), so a crash or a Redis outage never loses a change; with
 * {@link RedisSinkSettings#exactlyOnce() exactly-once} the replays after a crash are skipped too.
 *
 * @author pgcdc
 */
public final class RedisSink implements ChangeConsumer, SmartLifecycle {

	private final List<ChangePlanner> planners;

	private final LettuceChannel channel;

	private final RedisSinkSettings settings;

	private final Supplier<DeadLetters> deadLetters;

	private final BlockingQueue<PendingTransaction> queue;

	private final RedisWriter writer;

	private final RedisSinkStatistics statistics = new RedisSinkStatistics();

	private List<ChangeEvent> changes;

	private volatile EngineControl control;

	private volatile Thread thread;

	RedisSink(List<ChangePlanner> planners, LettuceChannel channel, RedisSinkSettings settings, String fenceKey,
			Supplier<DeadLetters> deadLetters) {
		this.planners = List.copyOf(planners);
		this.channel = channel;
		this.settings = settings;
		this.deadLetters = (deadLetters != null) ? deadLetters : () -> null;
		this.queue = new ArrayBlockingQueue<>(Math.max(1, settings.queueCapacity()));
		this.writer = new RedisWriter(this.queue, this.planners, settings, channel, fenceKey, this.statistics,
				this.deadLetters, () -> this.control);
	}

	/**
	 * Return the sink's counters.
	 * @return the statistics
	 */
	public RedisSinkStatistics statistics() {
		return this.statistics;
	}

	/**
	 * Return the position up to which every transaction has been applied to Redis.
	 * @return the end position of the last applied transaction
	 */
	public Lsn appliedLsn() {
		return this.writer.completed();
	}

	boolean handles(TableId table) {
		for (ChangePlanner planner : this.planners) {
			if (planner.handles(table)) {
				return true;
			}
		}
		return false;
	}

	@Override
	public boolean wantsTransactions() {
		return true;
	}

	@Override
	public void onTransaction(TransactionEvent transaction) {
		// the engine's one copy of the transaction, read lazily: nothing of it is copied here
		this.changes = FilteredChanges.of(transaction.changes(), (change) -> handles(change.table()));
	}

	@Override
	public void onCommit(TransactionCommit commit) throws InterruptedException {
		List<ChangeEvent> list = (this.changes != null) ? this.changes : List.of();
		this.changes = null;
		EngineControl engine = this.control;
		MemoryBudget memory = (engine != null) ? engine.memory() : MemoryBudget.UNBOUNDED;
		long bytes = list.isEmpty() ? 0 : ChangeSize.of(list);
		// backpressure: while Redis is down the queue fills and the dispatcher (and so the reader) waits
		while (!memory.reserve(bytes, this.queue.isEmpty(), 100, TimeUnit.MILLISECONDS)) {
			if (this.writer.isHalted() || this.thread == null) {
				return;
			}
		}
		PendingTransaction pending = new PendingTransaction(commit, list, memory, bytes);
		while (!this.queue.offer(pending, 100, TimeUnit.MILLISECONDS)) {
			if (this.writer.isHalted() || this.thread == null) {
				pending.release();
				return;
			}
		}
	}

	@Override
	public void onReset() {
		this.changes = null;
	}

	@Override
	public CompletedPosition completedPosition() {
		return this.writer::completed;
	}

	@Override
	public void attach(EngineControl control) {
		this.control = control;
	}

	@Override
	public synchronized void start() {
		if (this.thread != null) {
			return;
		}
		if (this.settings.failurePolicy() == FailurePolicy.DEAD_LETTER) {
			DeadLetters store = this.deadLetters.get();
			if (store != null) {
				store.initialize();
			}
		}
		Thread thread = new Thread(this.writer, "pgcdc-redis-writer");
		thread.setDaemon(true);
		thread.start();
		this.thread = thread;
	}

	@Override
	public synchronized void stop() {
		Thread thread = this.thread;
		this.thread = null;
		if (thread != null) {
			this.writer.stop();
			thread.interrupt();
			try {
				thread.join(10_000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		this.channel.shutdown();
	}

	@Override
	public boolean isRunning() {
		return this.thread != null;
	}

	@Override
	public int getPhase() {
		// before the engine (DEFAULT_PHASE - 100) on start, after it on stop
		return DEFAULT_PHASE - 200;
	}

}
