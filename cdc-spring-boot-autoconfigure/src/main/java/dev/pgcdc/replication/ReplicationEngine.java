package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.ValueConverter;
import dev.pgcdc.replication.ReplicationSetup.SlotStatus;
import dev.pgcdc.replication.types.JdbcTypeLookup;
import dev.pgcdc.replication.types.ValueDecoders;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Streams committed changes from a logical replication slot to {@link ChangeConsumer}s, at least once and
 * in commit order.
 *
 * <p>One reader thread reads the slot with a blocking {@code read()} and decodes it; a bounded queue
 * hands events to one dispatch thread; a transaction's end position is confirmed to the server only
 * after every consumer has handled it. Lost connections are retried with back-off, resuming after the
 * last transaction already received. {@link #start()} checks the database first and throws
 * {@link ReplicationSetupException} when it is not ready.
 *
 * @author pgcdc
 */
public final class ReplicationEngine {

	/** Prefix of the heartbeat messages the engine writes; never delivered to consumers. */
	public static final String HEARTBEAT_PREFIX = "pgcdc-heartbeat";

	/**
	 * Prefix of the transactional message that marks its transaction as not for delivery: the rest of the
	 * transaction reaches no consumer, its position is still confirmed.
	 */
	public static final String SKIP_PREFIX = "pgcdc-skip";

	/** Prefix of the messages {@link #awaitCaughtUp(Duration)} writes; never delivered to consumers. */
	public static final String CAUGHT_UP_PREFIX = "pgcdc-caught-up";

	private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

	private static final Log logger = LogFactory.getLog(ReplicationEngine.class);

	private final ReplicationSettings settings;

	private final PgConnector connector;

	private final List<ChangeConsumer> consumers;

	private final DispatchErrorHandler errorHandler;

	private final ValueConverter converter;

	private final FlushTracker flushTracker;

	private final StreamStatistics statistics = new StreamStatistics();

	private final Object lifecycleMonitor = new Object();

	private final RunState run = new RunState();

	private final ReaderActivity activity = new ReaderActivity();

	private final PositionAcknowledger acknowledger;

	private final HeartbeatConnection heartbeatConnection;

	/** The connection {@link #awaitCaughtUp} writes its markers on, apart from the heartbeats'. */
	private final HeartbeatConnection markerConnection;

	private volatile boolean started;

	private volatile SnapshotProgress snapshotProgress;

	private long senderTimeoutMillis;

	private volatile StreamingRun current;

	private volatile MemoryBudget memory;

	private ValueDecoders decoders;

	private SlotStatus slotStatus;

	/** Where a transaction cut off by a lost connection continues; reader thread only. */
	private final TransactionContinuation continuation = new TransactionContinuation();

	/** Re-snapshot while streaming (watermark chunks, see ResnapshotCoordinator). */
	private final ResnapshotCoordinator resnapshots;

	/** The configured internal tables plus the engine's own state tables. */
	private final InternalTables internalTables;

	private final EngineParts parts;

	/**
	 * Create an engine.
	 * @param settings what to stream and how
	 * @param consumers who receives the changes, called in this order
	 * @param errorHandler what to do when a consumer throws
	 * @param converter the converter rows use for typed access
	 */
	public ReplicationEngine(ReplicationSettings settings, List<ChangeConsumer> consumers,
			DispatchErrorHandler errorHandler, ValueConverter converter) {
		this.settings = Objects.requireNonNull(settings, "settings must not be null");
		this.memory = new MemoryBudget(settings.memoryMaxBytes());
		this.connector = new PgConnector(settings.connection());
		this.consumers = List.copyOf(consumers);
		this.flushTracker = new FlushTracker(this.consumers.stream()
			.map(ChangeConsumer::completedPosition)
			.filter(Objects::nonNull)
			.toList());
		this.errorHandler = Objects.requireNonNull(errorHandler, "errorHandler must not be null");
		this.converter = Objects.requireNonNull(converter, "converter must not be null");
		List<String> internal = new java.util.ArrayList<>(settings.internalTables());
		internal.add(SnapshotState.TABLE);
		internal.add(ResnapshotState.TABLE);
		this.internalTables = new InternalTables(internal);
		this.resnapshots = new ResnapshotCoordinator(this.connector, this.converter, this.flushTracker, this.settings,
				() -> this.run.running() && this.run.connected(), this.run::running, ResnapshotCoordinator.CHUNK_ROWS);
		this.acknowledger = new PositionAcknowledger(this.flushTracker, settings.statusInterval());
		this.heartbeatConnection = new HeartbeatConnection(this.connector);
		this.markerConnection = new HeartbeatConnection(this.connector);
		this.parts = new EngineParts(settings, this.connector, this.run, this.activity, this.acknowledger,
				this.flushTracker, this.continuation, this.resnapshots, this.statistics, converter, this.internalTables,
				new SlotCreator(settings), new DeliveryGate());
	}

	/**
	 * Check the database, create slot and publication as configured, and start streaming in the
	 * background.
	 * @throws ReplicationSetupException if the database is not ready; the message says how to fix it
	 */
	public void start() {
		synchronized (this.lifecycleMonitor) {
			if (this.started) {
				return;
			}
			this.run.state(EngineState.STARTING);
			this.run.lastError(null);
			try {
				prepare();
			}
			catch (RuntimeException ex) {
				this.run.state(EngineState.FAILED);
				this.run.lastError(ex.getMessage());
				throw ex;
			}
			this.run.begin();
			this.started = true;
			this.acknowledger.unfreeze();
			// a restarted engine resumes from the slot's confirmed position: what an earlier run had queued but
			// not delivered was dropped at its stop, so its resume position must not skip it
			this.activity.resumeLsn(Lsn.ZERO);
			this.activity.inTransaction(false);
			// new at every start: whatever a stopped run still held is not carried over
			this.memory = new MemoryBudget(this.settings.memoryMaxBytes());
			SpillFile.removeLeftovers(this.settings.spillDirectory());
			EventQueue queue = new EventQueue(this.settings.queueCapacity(), this.settings.queueMaxBytes(), this.memory);
			if (this.continuation.abandon()) {
				// the last run stopped in the middle of a transaction that consumers may hold a part of
				queue.offerFirst(BatchHandOver.resetBatch());
			}
			this.current = new StreamingRun(this.parts, queue, this.memory, this.consumers, this.errorHandler,
					this.heartbeatConnection, this.decoders, this.slotStatus, this.senderTimeoutMillis,
					(progress) -> this.snapshotProgress = progress);
			this.current.start();
		}
	}

	private void prepare() {
		try (Connection connection = this.connector.open()) {
			ReplicationSetup setup = new ReplicationSetup(this.settings);
			this.slotStatus = setup.prepare(connection);
			this.senderTimeoutMillis = Long.parseLong(ReplicationSetup.queryString(connection,
					"SELECT setting FROM pg_settings WHERE name = 'wal_sender_timeout'"));
		}
		catch (SQLException ex) {
			throw new ReplicationSetupException("Could not connect to PostgreSQL at " + this.settings.connection().safeUrl()
					+ " as '" + this.settings.connection().username() + "': " + ex.getMessage()
					+ ". Check cdc.connection.* (or spring.datasource.*) and that the server is reachable.", ex);
		}
		this.decoders = new ValueDecoders(new JdbcTypeLookup(this.connector.asDataSource()));
	}

	/**
	 * Stop streaming: finish the batch being dispatched, confirm what was fully handled, close the
	 * connection. Events still queued are not acknowledged and arrive again on the next start.
	 */
	public void stop() {
		synchronized (this.lifecycleMonitor) {
			if (!this.started) {
				if (this.run.state() != EngineState.FAILED) {
					this.run.state(EngineState.STOPPED);
				}
				return;
			}
			this.started = false;
			this.run.halt();
			this.resnapshots.stop(); // re-snapshot hook: end the chunk worker first; its position is kept
			this.current.stop();
			if (this.run.state() != EngineState.FAILED) {
				this.run.state(EngineState.STOPPED);
			}
			this.markerConnection.close();
			logger.info("Stopped streaming slot '" + this.settings.slotName() + "' at " + this.acknowledger.acknowledged());
		}
	}

	/**
	 * Stop delivering events, keeping the connection and the slot: the reader fills the bounded queue and
	 * then waits, nothing is confirmed, and the slot's lag grows until {@link #resume()}.
	 */
	public void pause() {
		synchronized (this.lifecycleMonitor) {
			if (this.started && this.run.running()) {
				this.current.pause(true);
				this.run.paused(true);
				if (this.run.state() == EngineState.STREAMING) {
					this.run.state(EngineState.PAUSED);
				}
				logger.info("Paused delivery from slot '" + this.settings.slotName() + "'");
			}
		}
	}

	/**
	 * Continue delivering after {@link #pause()}, from where it stopped.
	 */
	public void resume() {
		synchronized (this.lifecycleMonitor) {
			if (this.run.paused()) {
				this.run.paused(false);
				this.current.pause(false);
				if (this.run.state() == EngineState.PAUSED) {
					this.run.state(EngineState.STREAMING);
				}
				logger.info("Resumed delivery from slot '" + this.settings.slotName() + "'");
			}
		}
	}

	/**
	 * Wait until every transaction committed before this call has been handled by every consumer, including
	 * the work consumers finish on their own threads. Writes a small transactional message and waits until
	 * the position every consumer has completed passes it, so an idle database answers after one round
	 * trip. While delivery is {@linkplain #pause() paused} this waits (and returns {@code false} at the
	 * timeout); on a stopped or failed engine it returns {@code false} at once. A database that cannot be
	 * reached is tried again until the timeout.
	 * @param timeout how long to wait at most
	 * @return {@code true} if caught up, {@code false} if the timeout passed first or capture is not running
	 */
	public boolean awaitCaughtUp(Duration timeout) {
		Objects.requireNonNull(timeout, "timeout must not be null");
		long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
		Lsn marker = null;
		long pause = TimeUnit.MILLISECONDS.toNanos(1);
		while (true) {
			if (!this.started || this.run.state() == EngineState.FAILED || Thread.currentThread().isInterrupted()) {
				return false;
			}
			if (marker == null) {
				try {
					marker = this.markerConnection.emitMarker(CAUGHT_UP_PREFIX);
					continue;
				}
				catch (SQLException ex) {
					this.markerConnection.close();
					logger.debug("Could not write the caught-up marker; trying again", ex);
					pause = MAX_POLL_NANOS * 10;
				}
			}
			else if (this.flushTracker.flushable().compareTo(marker) >= 0) {
				return true;
			}
			long remaining = deadline - System.nanoTime();
			if (remaining <= 0) {
				return false;
			}
			// consumers' own threads report no progress event to wait on: look often at first, then less
			LockSupport.parkNanos(Math.min(pause, remaining));
			pause = Math.min(pause * 2, (marker != null) ? MAX_POLL_NANOS : MAX_POLL_NANOS * 10);
		}
	}

	/**
	 * Re-read tables while streaming continues, for a new read model or a repaired cache: each table is read
	 * in chunks of {@value ResnapshotCoordinator#CHUNK_ROWS} rows in primary key order, and its rows are
	 * delivered as {@link dev.pgcdc.event.Operation#SNAPSHOT} events interleaved with the live stream, so
	 * that no row older than a streamed change is delivered after it. Runs in the background, one at a time;
	 * a re-snapshot interrupted by a stop continues after its last delivered chunk when the engine streams
	 * again (or when this is called again for the same tables).
	 * @param tables the tables, {@code "orders"} meaning {@code public.orders}
	 * @return the running re-snapshot
	 * @throws IllegalStateException if the engine is not streaming or a re-snapshot runs
	 * @throws IllegalArgumentException if a table is not published or has no primary key
	 */
	public Resnapshot resnapshot(List<String> tables) {
		return this.resnapshots.start(tables);
	}

	/**
	 * Return the re-snapshot running, or the last one run, since this engine was created.
	 * @return the re-snapshot or {@code null}
	 */
	public Resnapshot lastResnapshot() {
		return this.resnapshots.last();
	}

	/**
	 * Return the progress of the re-snapshot running or last run.
	 * @return the progress or {@code null}
	 */
	public SnapshotProgress resnapshotProgress() {
		Resnapshot last = this.resnapshots.last();
		return (last != null) ? last.progress() : null;
	}

	public boolean isPaused() {
		return this.run.paused();
	}

	/**
	 * Return whether the engine was started and not stopped yet, even if an error halted streaming:
	 * {@link #stop()} still has threads to end then.
	 * @return whether {@link #stop()} has work to do
	 */
	public boolean isRunning() {
		return this.started;
	}

	public EngineState state() {
		return this.run.state();
	}

	/**
	 * Return the message of the last error that interrupted streaming, if it has not recovered since.
	 * @return the message or {@code null}
	 */
	public String lastError() {
		return this.run.lastError();
	}

	public StreamStatistics statistics() {
		return this.statistics;
	}

	/**
	 * Return the position last confirmed to the server as flushed.
	 * @return the acknowledged position
	 */
	public Lsn flushedLsn() {
		return this.acknowledger.acknowledged();
	}

	public ReplicationSettings settings() {
		return this.settings;
	}

	/**
	 * Return the memory budget every buffer of changes of the current run reserves from.
	 * @return the budget
	 */
	public MemoryBudget memory() {
		return this.memory;
	}

	/**
	 * Return the number of items waiting between the reader and the dispatcher.
	 * @return the queue length
	 */
	public int queueSize() {
		StreamingRun last = this.current;
		return (last != null) ? last.queue().size() : 0;
	}

	/**
	 * Return the progress of the snapshot being read, or of the last one read by this engine.
	 * @return the progress, or {@code null} if this engine read no snapshot
	 */
	public SnapshotProgress snapshotProgress() {
		return this.snapshotProgress;
	}

}
