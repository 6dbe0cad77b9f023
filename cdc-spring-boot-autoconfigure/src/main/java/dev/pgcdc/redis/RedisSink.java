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
import dev.pgcdc.listener.support.DeadLetterTargets;
import dev.pgcdc.listener.support.JdbcDeadLetters.DeadLetterTarget;
import dev.pgcdc.replication.ChangeConsumer;
import dev.pgcdc.replication.DeliveryGate;
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
 * <p>A transaction Redis refused a command of, stored as a dead letter of {@value #DEAD_LETTER_ID}, is
 * applied again with {@link #replay(List)} (or {@code DeadLetters.replay(id)}, or
 * {@code POST /actuator/cdc/deadletters/{id}}) once the data in Redis is fixed; see
 * {@link #replay(List)} for what that means for exactly-once.
 *
 * @author pgcdc
 */
public final class RedisSink implements ChangeConsumer, SmartLifecycle, DeadLetterTargets {

	/** The listener id the sink's dead letters are stored under. */
	public static final String DEAD_LETTER_ID = RefusedCommandPolicy.DEAD_LETTER_ID;

	private final List<ChangePlanner> planners;

	private final LettuceChannel channel;

	private final RedisSinkSettings settings;

	private final Supplier<DeadLetters> deadLetters;

	private final BlockingQueue<PendingTransaction> queue;

	private final RedisWriter writer;

	private final RedisSinkStatistics statistics = new RedisSinkStatistics();

	private final RedisDeadLetterReplay deadLetterReplay;

	private List<ChangeEvent> changes;

	private volatile EngineControl control;

	private volatile Thread thread;

	/** A writer thread that had not ended when {@link #stop()} gave up waiting for it. */
	private Thread stoppedThread;

	RedisSink(List<ChangePlanner> planners, LettuceChannel channel, RedisSinkSettings settings, String fenceKey,
			Supplier<DeadLetters> deadLetters) {
		this(planners, channel, settings, fenceKey, deadLetters, () -> {
			throw new IllegalStateException("This Redis sink was created without a way to replay dead letters");
		});
	}

	RedisSink(List<ChangePlanner> planners, LettuceChannel channel, RedisSinkSettings settings, String fenceKey,
			Supplier<DeadLetters> deadLetters, Supplier<LettuceChannel> replayChannels) {
		this.planners = List.copyOf(planners);
		this.channel = channel;
		this.settings = settings;
		this.deadLetters = (deadLetters != null) ? deadLetters : () -> null;
		this.queue = new ArrayBlockingQueue<>(Math.max(1, settings.queueCapacity()));
		this.writer = new RedisWriter(this.queue, this.planners, settings, channel, fenceKey, this.statistics,
				this.deadLetters, () -> this.control);
		this.deadLetterReplay = new RedisDeadLetterReplay(this.planners, replayChannels, settings.batchSize());
	}

	/**
	 * Apply a dead-lettered transaction of this sink to Redis again, once the data is fixed, on the caller's
	 * thread and a connection of its own: the changes are planned by the same mappings and stream settings
	 * and sent in one MULTI/EXEC block.
	 * <p>A replay bypasses the exactly-once fence: it is neither checked (the refused transaction's block
	 * ran, so the fence already covers it and would discard the replay) nor moved. Every command of the
	 * transaction runs again, including those that succeeded the first time: idempotent commands (HSET,
	 * SET, SADD, DEL) end in the same state, others (XADD, INCRBY, LPUSH, PUBLISH) take effect twice. The
	 * stored row images are applied as they were, even if newer transactions changed the same keys since;
	 * re-snapshot the table instead when that matters.
	 * @param changes the changes of the dead letter ({@link dev.pgcdc.listener.DeadLetter#changes()})
	 * @throws RedisCommandFailedException if Redis refuses a command again
	 * @throws Exception if Redis cannot be reached
	 */
	public void replay(List<ChangeEvent> changes) throws Exception {
		this.deadLetterReplay.replay(changes);
	}

	/**
	 * Return the target of this sink's dead letters, so that {@code DeadLetters.replay(id)} applies them
	 * to Redis again.
	 * @param listenerId the id a dead letter was stored under
	 * @return the target for {@value #DEAD_LETTER_ID}, otherwise {@code null}
	 */
	@Override
	public DeadLetterTarget deadLetterTarget(String listenerId) {
		return DEAD_LETTER_ID.equals(listenerId) ? this::replay : null;
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
		DeliveryGate gate = (engine != null) ? engine.gate() : DeliveryGate.OPEN;
		long bytes = list.isEmpty() ? 0 : ChangeSize.of(list);
		PendingTransaction pending = new PendingTransaction(commit, list, memory, bytes, gate.epoch());
		checkWriter(pending);
		// backpressure: past the memory budget the dispatcher (and so the reader) waits for the writer
		while (!memory.reserve(bytes, this.queue.isEmpty(), 100, TimeUnit.MILLISECONDS)) {
			if (this.writer.isHalted()) {
				return;
			}
			checkWriter(pending);
		}
		try {
			enqueue(pending);
		}
		catch (RuntimeException | InterruptedException ex) {
			pending.release();
			throw ex;
		}
	}

	/**
	 * Hand a committed transaction to the writer, waiting while the queue is full (backpressure: while Redis
	 * is down the queue fills and the dispatcher, and so the reader, waits), but only while the writer runs.
	 * @param pending the transaction
	 * @throws IllegalStateException if the sink is stopped or its writer thread ended: nothing of the
	 * transaction is applied or confirmed, the engine delivers it again once started
	 */
	void enqueue(PendingTransaction pending) throws InterruptedException {
		checkWriter(pending);
		while (!this.queue.offer(pending, 100, TimeUnit.MILLISECONDS)) {
			if (this.writer.isHalted()) {
				// the writer failed the engine already; nothing from here on is confirmed
				pending.release();
				return;
			}
			checkWriter(pending);
		}
	}

	private void checkWriter(PendingTransaction pending) {
		Thread writerThread = this.thread;
		if (writerThread == null || (!writerThread.isAlive() && !this.writer.isHalted())) {
			throw new IllegalStateException("The Redis sink is " + ((writerThread == null) ? "stopped" : "not writing "
					+ "(its writer thread ended)") + ", so transaction " + pending.commit().xid() + " (commit "
					+ pending.commit().commitLsn() + ") cannot be applied and is not confirmed; start the application "
					+ "context (or the sink) again and the engine delivers it again");
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

	/**
	 * Start the writer thread; after a {@link #stop()} it starts from a clean state: what the last run had
	 * taken but not applied is dropped (it was never confirmed, the engine delivers it again) and a new Redis
	 * client is created on the first connection.
	 */
	@Override
	public synchronized void start() {
		if (this.thread != null) {
			return;
		}
		Thread previous = this.stoppedThread;
		if (previous != null && previous.isAlive()) {
			// stop() gave up waiting: two threads must never share the writer
			joinQuietly(previous, 0);
		}
		this.stoppedThread = null;
		this.writer.reset();
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

	/**
	 * Stop the writer thread and shut the sink's Redis client down. Transactions queued or in flight are
	 * abandoned, not confirmed: the engine, stopped before the sink, delivers them again when started.
	 */
	@Override
	public synchronized void stop() {
		Thread thread = this.thread;
		this.thread = null;
		if (thread != null) {
			this.writer.stop();
			// every wait of the writer (queue, replies, back-off) ends on interrupt
			thread.interrupt();
			joinQuietly(thread, 10_000);
			if (thread.isAlive()) {
				this.stoppedThread = thread;
			}
		}
		this.channel.shutdown();
	}

	private static void joinQuietly(Thread thread, long millis) {
		try {
			thread.join(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
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
