package dev.pgcdc.replication;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.ValueConverter;
import dev.pgcdc.pgoutput.PgOutputDecoder;
import dev.pgcdc.pgoutput.PgOutputMessage;
import dev.pgcdc.pgoutput.PgOutputMessage.Begin;
import dev.pgcdc.pgoutput.PgOutputMessage.Commit;
import dev.pgcdc.pgoutput.PgOutputMessage.Delete;
import dev.pgcdc.pgoutput.PgOutputMessage.Insert;
import dev.pgcdc.pgoutput.PgOutputMessage.Message;
import dev.pgcdc.pgoutput.PgOutputMessage.Relation;
import dev.pgcdc.pgoutput.PgOutputMessage.Truncate;
import dev.pgcdc.pgoutput.PgOutputMessage.Update;
import dev.pgcdc.replication.ReplicationSetup.SlotStatus;
import dev.pgcdc.replication.StreamMarker.StreamReset;
import dev.pgcdc.replication.StreamMarker.TransactionBegin;
import dev.pgcdc.replication.StreamMarker.Committed;
import dev.pgcdc.replication.types.JdbcTypeLookup;
import dev.pgcdc.replication.types.ValueDecoders;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.ReplicationSlotInfo;

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

	/** Prefix of the message that wakes the reader when stopping; never delivered. */
	static final String WAKEUP_PREFIX = "pgcdc-wakeup";

	private static final Log logger = LogFactory.getLog(ReplicationEngine.class);

	private static final int BATCH_ITEMS = 256;

	private static final long BATCH_BYTES = 1024 * 1024;

	private static final long HAND_OVER_WAIT_MILLIS = 200;

	private final ReplicationSettings settings;

	private final PgConnector connector;

	private final List<ChangeConsumer> consumers;

	private final DispatchErrorHandler errorHandler;

	private final ValueConverter converter;

	private final FlushTracker flushTracker;

	private final StreamStatistics statistics = new StreamStatistics();

	private final Object lifecycleMonitor = new Object();

	private final Object confirmLock = new Object();

	private final Object heartbeatLock = new Object();

	private volatile EngineState state = EngineState.STOPPED;

	private volatile String lastError;

	/** Set when the publication was found dropped: nothing more is confirmed and the reader fails. */
	private volatile String publicationGone;

	private volatile boolean running;

	private volatile boolean started;

	private volatile boolean paused;

	private volatile SnapshotProgress snapshotProgress;

	private volatile CountDownLatch stopSignal = new CountDownLatch(0);

	private volatile Connection replicationConnection;

	private volatile PGReplicationStream currentStream;

	private volatile long readBlockedSince;

	private volatile long lastProgressNanos;

	private volatile Lsn acknowledgedLsn = Lsn.ZERO;

	private long watchdogTimeoutMillis;

	private long wakeIntervalMillis;

	private ServerWatch serverWatch;

	private Thread serverWatchThread;

	private volatile long lastStatusNanos;

	private volatile Lsn reportedLsn = Lsn.ZERO;

	private volatile long lastWakeNanos;

	private volatile long readGeneration;

	private volatile boolean inTransaction;

	private EventQueue queue;

	private Dispatcher dispatcher;

	private Thread readerThread;

	private Thread dispatcherThread;

	private ScheduledExecutorService scheduler;

	private ValueDecoders decoders;

	private SlotStatus slotStatus;

	private volatile Lsn resumeLsn = Lsn.ZERO;

	private Connection heartbeatConnection;

	private long lastWatchedReceiveLsn;

	/** Where a transaction cut off by a lost connection continues; reader thread only. */
	private final TransactionContinuation continuation = new TransactionContinuation();

	/** Re-snapshot while streaming (watermark chunks, see ResnapshotCoordinator). */
	private final ResnapshotCoordinator resnapshots;

	/** The configured internal tables plus the engine's own state tables. */
	private final InternalTables internalTables;

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
				() -> this.running && connected(), () -> this.running, ResnapshotCoordinator.CHUNK_ROWS);
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
			this.state = EngineState.STARTING;
			this.lastError = null;
			try {
				prepare();
			}
			catch (RuntimeException ex) {
				this.state = EngineState.FAILED;
				this.lastError = ex.getMessage();
				throw ex;
			}
			this.running = true;
			this.started = true;
			this.publicationGone = null;
			// a restarted engine resumes from the slot's confirmed position: what an earlier run had queued but
			// not delivered was dropped at its stop, so its resume position must not skip it
			this.resumeLsn = Lsn.ZERO;
			this.inTransaction = false;
			this.paused = false;
			this.stopSignal = new CountDownLatch(1);
			for (ChangeConsumer consumer : this.consumers) {
				consumer.attach(this::consumerFailed);
			}
			this.queue = new EventQueue(this.settings.queueCapacity(), this.settings.queueMaxBytes());
			if (this.continuation.abandon()) {
				// the last run stopped in the middle of a transaction that consumers may hold a part of
				this.queue.offerFirst(resetBatch());
			}
			this.dispatcher = new Dispatcher(this.queue, this.consumers, this.errorHandler, this.flushTracker,
					this.statistics, this::dispatchFailed);
			this.dispatcherThread = newThread(this.dispatcher, "pgcdc-dispatch-" + this.settings.slotName());
			this.readerThread = newThread(this::readLoop, "pgcdc-reader-" + this.settings.slotName());
			this.scheduler = Executors.newSingleThreadScheduledExecutor(
					(task) -> newThread(task, "pgcdc-heartbeat-" + this.settings.slotName()));
			this.serverWatch = new ServerWatch(this.connector, this::serverGone,
					this.settings.reconnectInitialInterval().toMillis());
			this.serverWatchThread = newThread(this.serverWatch, "pgcdc-watch-" + this.settings.slotName());
			this.dispatcherThread.start();
			this.readerThread.start();
			this.serverWatchThread.start();
			Duration heartbeat = this.settings.heartbeatInterval();
			if (heartbeat != null && !heartbeat.isZero() && !heartbeat.isNegative()) {
				this.scheduler.scheduleWithFixedDelay(this::heartbeat, heartbeat.toMillis(), heartbeat.toMillis(),
						TimeUnit.MILLISECONDS);
			}
			long tend = Math.min(1000, this.settings.statusInterval().toMillis());
			this.scheduler.scheduleWithFixedDelay(this::tendIdleStream, tend, tend, TimeUnit.MILLISECONDS);
			long check = Math.max(1000, this.settings.statusInterval().toMillis());
			this.scheduler.scheduleWithFixedDelay(this::checkPublication, check, check, TimeUnit.MILLISECONDS);
			if (this.watchdogTimeoutMillis > 0) {
				long period = Math.max(100, Math.min(5000, this.watchdogTimeoutMillis / 4));
				this.scheduler.scheduleWithFixedDelay(this::watchdog, period, period, TimeUnit.MILLISECONDS);
			}
		}
	}

	private void prepare() {
		try (Connection connection = this.connector.open()) {
			ReplicationSetup setup = new ReplicationSetup(this.settings);
			this.slotStatus = setup.prepare(connection);
			this.watchdogTimeoutMillis = watchdogTimeout(connection);
		}
		catch (SQLException ex) {
			throw new ReplicationSetupException("Could not connect to PostgreSQL at " + this.settings.connection().safeUrl()
					+ " as '" + this.settings.connection().username() + "': " + ex.getMessage()
					+ ". Check cdc.connection.* (or spring.datasource.*) and that the server is reachable.", ex);
		}
		this.decoders = new ValueDecoders(new JdbcTypeLookup(this.connector.asDataSource()));
	}

	/**
	 * How long the reader may wait in {@code read()} without any sign of the server before the connection
	 * is presumed dead. The server sends a keepalive within {@code wal_sender_timeout / 2} of client silence,
	 * and a heartbeat message arrives every heartbeat interval.
	 */
	private long watchdogTimeout(Connection connection) throws SQLException {
		long senderTimeout = Long.parseLong(
				ReplicationSetup.queryString(connection, "SELECT setting FROM pg_settings WHERE name = 'wal_sender_timeout'"));
		long heartbeat = (this.settings.heartbeatInterval() != null) ? this.settings.heartbeatInterval().toMillis() : 0;
		long status = this.settings.statusInterval().toMillis();
		this.wakeIntervalMillis = (senderTimeout > 0) ? Math.min(status, senderTimeout / 4) : status;
		long timeout = Math.max(senderTimeout * 2, heartbeat * 3);
		return (senderTimeout == 0 && heartbeat == 0) ? 0 : timeout;
	}

	/**
	 * Stop streaming: finish the batch being dispatched, confirm what was fully handled, close the
	 * connection. Events still queued are not acknowledged and arrive again on the next start.
	 */
	public void stop() {
		synchronized (this.lifecycleMonitor) {
			if (!this.started) {
				if (this.state != EngineState.FAILED) {
					this.state = EngineState.STOPPED;
				}
				return;
			}
			this.started = false;
			this.running = false;
			this.stopSignal.countDown();
			this.resnapshots.stop(); // re-snapshot hook: end the chunk worker first; its position is kept
			this.dispatcher.stop();
			join(this.dispatcherThread, 5_000);
			if (this.dispatcherThread.isAlive()) {
				// a consumer that does not take more work (a stuck listener with a full queue) must not hold
				// shutdown: what it did not finish is not confirmed and comes again on the next start
				this.dispatcherThread.interrupt();
				join(this.dispatcherThread, 25_000);
			}
			if (this.readBlockedSince != 0) {
				wakeReader();
			}
			join(this.readerThread, 5_000);
			if (this.readerThread.isAlive()) {
				abortReplicationConnection();
				join(this.readerThread, 5_000);
			}
			this.scheduler.shutdownNow();
			this.serverWatch.stop();
			closeHeartbeatConnection();
			this.queue.clear();
			if (this.state != EngineState.FAILED) {
				this.state = EngineState.STOPPED;
			}
			logger.info("Stopped streaming slot '" + this.settings.slotName() + "' at " + this.acknowledgedLsn);
		}
	}

	/**
	 * Stop delivering events, keeping the connection and the slot: the reader fills the bounded queue and
	 * then waits, nothing is confirmed, and the slot's lag grows until {@link #resume()}.
	 */
	public void pause() {
		synchronized (this.lifecycleMonitor) {
			if (this.started && this.running) {
				this.dispatcher.pause(true);
				this.paused = true;
				if (this.state == EngineState.STREAMING) {
					this.state = EngineState.PAUSED;
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
			if (this.paused) {
				this.paused = false;
				this.dispatcher.pause(false);
				if (this.state == EngineState.PAUSED) {
					this.state = EngineState.STREAMING;
				}
				logger.info("Resumed delivery from slot '" + this.settings.slotName() + "'");
			}
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
		return this.paused;
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
		return this.state;
	}

	/**
	 * Return the message of the last error that interrupted streaming, if it has not recovered since.
	 * @return the message or {@code null}
	 */
	public String lastError() {
		return this.lastError;
	}

	public StreamStatistics statistics() {
		return this.statistics;
	}

	/**
	 * Return the position last confirmed to the server as flushed.
	 * @return the acknowledged position
	 */
	public Lsn flushedLsn() {
		return this.acknowledgedLsn;
	}

	public ReplicationSettings settings() {
		return this.settings;
	}

	/**
	 * Return the number of items waiting between the reader and the dispatcher.
	 * @return the queue length
	 */
	public int queueSize() {
		EventQueue current = this.queue;
		return (current != null) ? current.size() : 0;
	}

	private void readLoop() {
		Backoff backoff = new Backoff(this.settings.reconnectInitialInterval(), this.settings.reconnectMaxInterval());
		while (this.running) {
			try (Connection connection = this.connector.openReplication()) {
				this.replicationConnection = connection;
				if ((this.slotStatus == SlotStatus.CREATE_FOR_SNAPSHOT
						|| this.slotStatus == SlotStatus.CREATE_TEMPORARY_FOR_SNAPSHOT) && !snapshot(connection)) {
					return;
				}
				PGReplicationStream stream = openStream(connection);
				this.currentStream = stream;
				this.statistics.connected();
				this.state = this.paused ? EngineState.PAUSED : EngineState.STREAMING;
				this.lastError = null;
				backoff.reset();
				this.resnapshots.streaming(); // re-snapshot hook: continue an interrupted one
				logger.info("Streaming slot '" + this.settings.slotName() + "' of publication '"
						+ this.settings.publicationName() + "' from " + (this.resumeLsn.isValid() ? this.resumeLsn : "its confirmed position"));
				stream(stream);
				acknowledge(stream, true);
				stream.close();
			}
			catch (SQLException | RuntimeException ex) {
				if (!this.running) {
					break;
				}
				if (!handleStreamFailure(ex, backoff)) {
					return;
				}
			}
			finally {
				this.replicationConnection = null;
				this.currentStream = null;
				this.readBlockedSince = 0;
			}
		}
	}

	/**
	 * Create the slot exporting its snapshot, read every published table in that snapshot, and hand the rows
	 * over as SNAPSHOT events in chunks; streaming then starts at the slot's consistent point, so no change
	 * is missed or doubled. Returns whether to stream afterwards ({@code initial-only} does not).
	 */
	private boolean snapshot(Connection replication) throws SQLException {
		boolean temporary = this.slotStatus == SlotStatus.CREATE_TEMPORARY_FOR_SNAPSHOT;
		String slot = this.settings.slotName();
		this.state = EngineState.SNAPSHOTTING;
		SnapshotState snapshotState = new SnapshotState(this.connector);
		if (!temporary) {
			dropLeftoverSlot(slot);
			snapshotState.running(slot);
		}
		ReplicationSlotInfo info = new FailoverSlots(this.settings).createExportingSnapshot(replication, temporary);
		Lsn consistentPoint = new Lsn(info.getConsistentPoint().asLong());
		SnapshotProgress progress = new SnapshotProgress();
		this.snapshotProgress = progress;
		logger.info("Created slot '" + slot + "' at " + consistentPoint + "; reading a snapshot of publication '"
				+ this.settings.publicationName() + "'");
		SnapshotBatches batches = new SnapshotBatches(consistentPoint);
		try (Connection reader = this.connector.openSnapshot()) {
			new SnapshotReader(this.decoders, this.converter, this.settings.snapshotFetchSize(),
					this.internalTables.or(this.settings.optInMatcher())).read(reader,
					info.getSnapshotName(), this.settings.publicationName(), consistentPoint, batches, progress);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new SQLException("Interrupted while reading the snapshot", ex);
		}
		batches.finish();
		logger.info("Snapshot of slot '" + slot + "' read: " + progress.rowsDone() + " rows in "
				+ Duration.between(progress.startedAt(), progress.finishedAt()).toMillis() + " ms");
		// done means delivered: a snapshot marked done while rows still wait in the queue could lose them
		while (this.flushTracker.flushable().compareTo(consistentPoint) < 0) {
			if (!pause(100)) {
				throw new SQLException("Stopped before the snapshot was delivered; it is read again on the next start");
			}
		}
		if (!temporary) {
			snapshotState.done(slot);
			this.slotStatus = SlotStatus.EXISTS;
			return true;
		}
		logger.info("Snapshot delivered (cdc.snapshot.mode=initial-only); change data capture is done");
		this.state = EngineState.STOPPED;
		this.running = false;
		this.dispatcher.stop();
		this.stopSignal.countDown();
		return false;
	}

	/** A slot left by a snapshot attempt that failed in this run: its snapshot is gone, so start over. */
	private void dropLeftoverSlot(String slot) throws SQLException {
		try (Connection connection = this.connector.open(); PreparedStatement statement = connection.prepareStatement(
				"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ? AND NOT active")) {
			statement.setString(1, slot);
			statement.execute();
		}
	}

	/**
	 * Hands snapshot rows to the queue as pseudo-transactions of {@link SnapshotReader#CHUNK_ROWS} rows, with
	 * no position to confirm, and a last marker at the consistent point once all rows are queued.
	 */
	private final class SnapshotBatches implements SnapshotReader.Sink {

		private final Lsn consistentPoint;

		private final Instant snapshotTime = Instant.now();

		private EventBatch batch = new EventBatch(BATCH_ITEMS);

		private boolean inChunk;

		SnapshotBatches(Lsn consistentPoint) {
			this.consistentPoint = consistentPoint;
		}

		@Override
		public void row(dev.pgcdc.event.ChangeEvent event, int bytes) throws SQLException {
			if (!this.inChunk) {
				add(new TransactionBegin(), 0);
				this.inChunk = true;
			}
			add(event, bytes);
		}

		@Override
		public void chunkDone() throws SQLException {
			add(new Committed(new TransactionCommit(0, this.consistentPoint, Lsn.ZERO, this.snapshotTime)), 0);
			this.inChunk = false;
			flush();
		}

		void finish() throws SQLException {
			add(new Committed(new TransactionCommit(0, this.consistentPoint, this.consistentPoint, this.snapshotTime)),
					0);
			flush();
		}

		private void add(Object item, int bytes) throws SQLException {
			this.batch.add(item, bytes);
			if (this.batch.isFull() || this.batch.bytes() >= BATCH_BYTES) {
				flush();
			}
		}

		/** A snapshot cut short must never count as done: stopping aborts it. */
		private void flush() throws SQLException {
			EventBatch next = handOver(null, this.batch);
			if (next == null) {
				throw new SQLException("Stopped during the snapshot; it is read again on the next start");
			}
			this.batch = next;
		}

	}

	/**
	 * Return the progress of the snapshot being read, or of the last one read by this engine.
	 * @return the progress, or {@code null} if this engine read no snapshot
	 */
	public SnapshotProgress snapshotProgress() {
		return this.snapshotProgress;
	}

	private PGReplicationStream openStream(Connection connection) throws SQLException {
		PGConnection pgConnection = connection.unwrap(PGConnection.class);
		if (this.slotStatus == SlotStatus.CREATE_TEMPORARY) {
			pgConnection.getReplicationAPI()
				.createReplicationSlot()
				.logical()
				.withSlotName(this.settings.slotName())
				.withOutputPlugin(ReplicationSetup.PLUGIN)
				.withTemporaryOption()
				.make();
		}
		PGReplicationStream stream = pgConnection.getReplicationAPI()
			.replicationStream()
			.logical()
			.withSlotName(this.settings.slotName())
			.withStartPosition(LogSequenceNumber.valueOf(this.resumeLsn.value()))
			.withSlotOption("proto_version", 1)
			.withSlotOption("publication_names", ReplicationSetup.quote(this.settings.publicationName()))
			.withSlotOption("messages", true)
			.withStatusInterval((int) Math.max(1, this.settings.statusInterval().toMillis()), TimeUnit.MILLISECONDS)
			.withAutomaticFlush(false)
			.start();
		if (this.acknowledgedLsn.isValid()) {
			LogSequenceNumber confirmed = LogSequenceNumber.valueOf(this.acknowledgedLsn.value());
			stream.setFlushedLSN(confirmed);
			stream.setAppliedLSN(confirmed);
		}
		return stream;
	}

	/** Returns whether to try again. */
	private boolean handleStreamFailure(Exception ex, Backoff backoff) {
		String message = String.valueOf(ex.getMessage());
		String sqlState = (ex instanceof SQLException sql) ? sql.getSQLState() : null;
		if (this.continuation.interrupted()) {
			this.queueReset();
		}
		if ("55006".equals(sqlState) || message.contains("is active for PID")) {
			this.state = EngineState.STANDBY;
			this.lastError = null;
			logger.info("Replication slot '" + this.settings.slotName() + "' is in use by another instance; standing by");
			return pause(Math.min(backoff.nextDelayMillis(), 5_000));
		}
		if (this.publicationGone != null) {
			return failFor(this.publicationGone, ex);
		}
		if ("42704".equals(sqlState)) {
			// the slot or the publication vanished: streaming on would skip or invent data
			return failFor(message + ". The replication slot or publication was dropped while streaming; changes "
					+ "since then cannot be recovered from this slot. Recreate them and reload with cdc.snapshot.mode=initial.",
					ex);
		}
		if ("55000".equals(sqlState) && message.contains("replication slot")
				&& (message.contains("can no longer") || message.contains("invalidated"))) {
			// never recreate the slot silently: the changes in the gap are gone for good
			return failFor(message + ". PostgreSQL invalidated the slot (it removed WAL the slot still needed, see "
					+ "max_slot_wal_keep_size), so the changes made since the last confirmed position are lost. Recover "
					+ "by dropping the slot (SELECT pg_drop_replication_slot('" + this.settings.slotName() + "')) and "
					+ "starting with cdc.snapshot.mode=initial to reload the tables.", ex);
		}
		if ("22021".equals(sqlState) || "22P05".equals(sqlState)) {
			// the server fails this change on every attempt: reconnecting for ever would look healthy while the
			// slot stood still
			return failFor(message + ". PostgreSQL cannot convert a captured value to UTF-8 (a database with encoding "
					+ "SQL_ASCII accepts bytes that are not valid UTF-8), so the stream can never pass this change. Fix the "
					+ "value and recreate the slot with cdc.snapshot.mode=initial, or, accepting the loss of that transaction, "
					+ "move the slot past it with pg_replication_slot_advance('" + this.settings.slotName() + "', ...).", ex);
		}
		this.state = EngineState.RECONNECTING;
		this.lastError = message;
		long delay = backoff.nextDelayMillis();
		logger.warn("Replication connection failed (" + message + "); reconnecting in " + delay + " ms, resuming after "
				+ (this.resumeLsn.isValid() ? this.resumeLsn : "the slot's confirmed position"));
		return pause(delay);
	}

	private boolean failFor(String reason, Exception ex) {
		this.state = EngineState.FAILED;
		this.lastError = reason;
		logger.error("Change data capture stopped: " + reason, ex);
		this.running = false;
		this.dispatcher.stop();
		return false;
	}

	private boolean pause(long millis) {
		try {
			this.stopSignal.await(millis, TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
		return this.running;
	}

	private void queueReset() {
		EventBatch reset = resetBatch();
		try {
			while (this.running && !this.queue.offer(reset, HAND_OVER_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
				// the dispatcher drains the queue; wait for room
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static EventBatch resetBatch() {
		EventBatch reset = new EventBatch(1);
		reset.add(new StreamReset(), 0);
		return reset;
	}

	private void stream(PGReplicationStream stream) throws SQLException {
		this.inTransaction = false;
		PgOutputDecoder decoder = new PgOutputDecoder(1);
		EventAssembler assembler = new EventAssembler(this.decoders, this.converter, this.internalTables);
		EventBatch batch = new EventBatch(BATCH_ITEMS);
		this.lastProgressNanos = System.nanoTime();
		while (this.running) {
			this.readBlockedSince = System.nanoTime();
			ByteBuffer buffer = stream.read();
			this.readBlockedSince = 0;
			this.readGeneration++;
			if (buffer == null) {
				if (stream.isClosed()) {
					throw new SQLException("The server ended the replication stream");
				}
				continue;
			}
			this.lastProgressNanos = System.nanoTime();
			Lsn lsn = new Lsn(stream.getLastReceiveLSN().asLong());
			int size = buffer.remaining();
			PgOutputMessage message = decoder.decode(buffer);
			if (message instanceof Insert insert) {
				addChange(batch, assembler.insert(insert, lsn), size);
			}
			else if (message instanceof Update update) {
				addChange(batch, assembler.update(update, lsn), size);
			}
			else if (message instanceof Delete delete) {
				addChange(batch, assembler.delete(delete, lsn), size);
			}
			else if (message instanceof Begin begin) {
				this.inTransaction = true;
				assembler.begin(begin);
				TransactionContinuation.Start start = this.continuation.begin(begin.finalLsn());
				if (start == TransactionContinuation.Start.NEW_AFTER_ABANDONED) {
					batch.add(new StreamReset(), 0);
				}
				if (start != TransactionContinuation.Start.CONTINUED) {
					batch.add(new TransactionBegin(), size);
				}
			}
			else if (message instanceof Commit commit) {
				Lsn endLsn = new Lsn(commit.endLsn());
				batch.add(new Committed(
						new TransactionCommit(assembler.xid(), new Lsn(commit.commitLsn()), endLsn, commit.commitTime())),
						size);
				batch = handOver(stream, batch);
				if (batch == null) {
					return;
				}
				this.continuation.committed();
				this.resumeLsn = endLsn;
				this.resnapshots.committed(endLsn); // re-snapshot hook: a chunk in this transaction is queued
				this.inTransaction = false;
				this.statistics.received(endLsn);
			}
			else if (message instanceof Relation relation) {
				assembler.relation(relation);
			}
			else if (message instanceof Truncate truncate) {
				for (int oid : truncate.relationOids()) {
					addChange(batch, assembler.truncate(oid, lsn), size);
					if (batch.isFull()) {
						batch = handOver(stream, batch);
						if (batch == null) {
							return;
						}
					}
				}
			}
			else if (message instanceof Message logical
					&& logical.prefix().equals(ResnapshotCoordinator.WATERMARK_PREFIX)) {
				// re-snapshot hook: watermarks are never delivered; a high one releases its chunk's rows here
				for (dev.pgcdc.event.ChangeEvent row : this.resnapshots.watermark(logical.content(), lsn, assembler)) {
					this.continuation.notContinuable();
					batch.add(row, ((TupleRow) row.after()).size());
					if (batch.isFull()) {
						batch = handOver(stream, batch);
						if (batch == null) {
							return;
						}
					}
				}
			}
			else if (message instanceof Message logical) {
				if (!logical.prefix().startsWith(HEARTBEAT_PREFIX) && !logical.prefix().equals(WAKEUP_PREFIX)
						&& (!logical.transactional() || this.continuation.keep())) {
					batch.add(new LogicalMessage(logical.prefix(), logical.content(), logical.transactional(),
							new Lsn(logical.lsn())), size);
					if (!logical.transactional()) {
						// a pseudo-transaction of its own: nothing past it may be confirmed before it is handled,
						// and a reconnect resumes at it (delivering it again rather than skipping it)
						Lsn at = new Lsn(logical.lsn());
						batch.add(new Committed(new TransactionCommit(0, at, at, Instant.now())), 0);
						batch = handOver(stream, batch);
						if (batch == null) {
							return;
						}
						this.resumeLsn = at;
					}
				}
			}
			else if (logger.isDebugEnabled()) {
				logger.debug("Skipping pgoutput message " + message);
			}
			if (batch.isFull() || batch.bytes() >= BATCH_BYTES) {
				batch = handOver(stream, batch);
				if (batch == null) {
					return;
				}
			}
			// positions only move at commits; looking after every message would cost every row
			if (message instanceof Commit || batch.isEmpty()) {
				acknowledge(stream, false);
			}
		}
	}

	/**
	 * Queue a row change; {@code null} (a change of pgcdc's own tables) is skipped, and so is a change the
	 * dispatcher got before the connection dropped in the middle of its transaction. The re-snapshot
	 * coordinator sees every change first (a skipped one again), to note the keys changed inside an open
	 * watermark window.
	 */
	private void addChange(EventBatch batch, dev.pgcdc.event.ChangeEvent event, int size) {
		if (event != null) {
			dev.pgcdc.event.ChangeEvent observed = this.resnapshots.observe(event);
			if (this.continuation.keep()) {
				batch.add(observed, size);
			}
		}
	}

	/**
	 * Queue a batch, waiting for room while keeping the server informed, so that a slow consumer makes
	 * the reader wait instead of the server timing the connection out. Returns a new batch to fill, or
	 * {@code null} when the engine is stopping and the batch was not queued.
	 */
	private EventBatch handOver(PGReplicationStream stream, EventBatch batch) throws SQLException {
		if (!this.running) {
			return null;
		}
		if (batch.isEmpty()) {
			return batch;
		}
		long statusNanos = this.settings.statusInterval().toNanos();
		long lastStatus = System.nanoTime();
		try {
			while (!this.queue.offer(batch, HAND_OVER_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
				if (!this.running) {
					return null;
				}
				this.lastProgressNanos = System.nanoTime();
				if (stream != null && System.nanoTime() - lastStatus >= statusNanos) {
					acknowledge(stream, true);
					lastStatus = System.nanoTime();
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new SQLException("Interrupted while handing events to the dispatcher", ex);
		}
		this.continuation.handedOver();
		return new EventBatch(BATCH_ITEMS);
	}

	private void acknowledge(PGReplicationStream stream, boolean force) throws SQLException {
		confirm(stream, this.flushTracker.flushable());
		// pgjdbc sends its periodic status only after the next message arrives, which on a quiet
		// stream may be long after the position moved; say it now if the interval has passed
		long now = System.nanoTime();
		Lsn confirmed = this.acknowledgedLsn;
		if (force || (confirmed.compareTo(this.reportedLsn) > 0
				&& now - this.lastStatusNanos >= this.settings.statusInterval().toNanos())) {
			stream.forceUpdateStatus();
			this.lastStatusNanos = now;
			this.reportedLsn = confirmed;
		}
	}

	/**
	 * Record a position as safe to confirm. Only a volatile field of the stream is set, so this is safe
	 * from any thread; pgjdbc sends it with its next status message.
	 */
	private void confirm(PGReplicationStream stream, Lsn position) {
		if (this.publicationGone != null) {
			return;
		}
		synchronized (this.confirmLock) {
			confirmLocked(stream, position);
		}
	}

	private void confirmLocked(PGReplicationStream stream, Lsn position) {
		if (position.compareTo(this.acknowledgedLsn) > 0) {
			LogSequenceNumber lsn = LogSequenceNumber.valueOf(position.value());
			stream.setFlushedLSN(lsn);
			stream.setAppliedLSN(lsn);
			this.acknowledgedLsn = position;
		}
	}

	/**
	 * Keep a quiet stream's confirmed position moving, from the scheduler thread.
	 * <p>First, when the reader waits in {@code read()} outside a transaction and everything it received
	 * has been handled, the server's own position (which pgjdbc takes from keepalives) is safe to confirm:
	 * every transaction committed before it was sent, received and handled. Without this, the slot would
	 * stand still on a quiet publication and a server shutting down would wait for ever for the client to
	 * confirm its shutdown checkpoint. A read generation that must not change while the check runs rules out
	 * a message slipping in between.
	 * <p>Second, when the reader has waited in {@code read()} for a wake interval, write a tiny
	 * non-transactional message. pgjdbc answers server keepalives and sends status only when a message
	 * arrives, so without it a quiet stream would leave keepalives unanswered until the server times the
	 * connection out, and confirmed positions unreported. The wake interval is the status interval, or a
	 * quarter of {@code wal_sender_timeout} if that is shorter: one WAL record of about 60 bytes per
	 * interval, only while the stream is quiet.
	 */
	private void tendIdleStream() {
		PGReplicationStream stream = this.currentStream;
		if (stream == null || !connected()) {
			return;
		}
		long generation = this.readGeneration;
		if (this.readBlockedSince != 0 && !this.inTransaction
				&& this.flushTracker.flushable().compareTo(this.resumeLsn) >= 0) {
			Lsn received = new Lsn(stream.getLastReceiveLSN().asLong());
			if (generation == this.readGeneration && this.readBlockedSince != 0 && !this.inTransaction) {
				confirm(stream, received);
			}
		}
		long blockedSince = this.readBlockedSince;
		long now = System.nanoTime();
		long wakeNanos = TimeUnit.MILLISECONDS.toNanos(this.wakeIntervalMillis);
		if (blockedSince != 0 && now - blockedSince >= wakeNanos && now - this.lastWakeNanos >= wakeNanos) {
			this.lastWakeNanos = now;
			try {
				emitMessage(false, WAKEUP_PREFIX);
			}
			catch (SQLException ex) {
				closeHeartbeatConnection();
				logger.debug("Could not wake the reader", ex);
			}
		}
	}

	/** The server ended the watch connection: it is going down, so do not hold its shutdown up. */
	private void serverGone() {
		if (this.running && connected()) {
			logger.warn("The server ended its sessions (shutdown or crash); closing the replication connection and "
					+ "reconnecting when it is back");
			abortReplicationConnection();
		}
	}

	private void consumerFailed(String reason, Throwable cause) {
		this.state = EngineState.FAILED;
		this.lastError = reason;
		logger.error("Change data capture stopped: " + reason, cause);
		this.running = false;
		this.stopSignal.countDown();
		this.dispatcher.stop();
		wakeReader();
	}

	private void dispatchFailed(Exception ex) {
		this.state = EngineState.FAILED;
		this.lastError = "A consumer failed and the error handler stopped the stream: " + ex.getMessage();
		logger.error("Change data capture stopped; the failed transaction was not acknowledged and will be "
				+ "delivered again after a restart", ex);
		this.running = false;
		this.stopSignal.countDown();
		wakeReader();
	}

	/** Whether a replication stream is open: streaming, or paused with the connection kept. */
	private boolean connected() {
		EngineState current = this.state;
		return current == EngineState.STREAMING || current == EngineState.PAUSED;
	}

	/**
	 * PostgreSQL 18's pgoutput skips a publication dropped while streaming (with a warning in the server log)
	 * where older servers fail the stream: changes of its tables would silently stop. Checked every status
	 * interval; once gone, nothing more is confirmed and capture stops with the recovery.
	 */
	private void checkPublication() {
		if (!connected() || this.publicationGone != null) {
			return;
		}
		boolean exists;
		try {
			synchronized (this.heartbeatLock) {
				openHeartbeatConnectionLocked();
				try (PreparedStatement statement = this.heartbeatConnection
					.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
					statement.setString(1, this.settings.publicationName());
					try (var result = statement.executeQuery()) {
						exists = result.next();
					}
				}
			}
		}
		catch (SQLException ex) {
			closeHeartbeatConnection();
			logger.debug("Could not check the publication", ex);
			return;
		}
		if (!exists) {
			this.publicationGone = "publication \"" + this.settings.publicationName() + "\" does not exist. The "
					+ "publication was dropped while streaming; changes since then cannot be recovered from this slot. "
					+ "Recreate it, drop the slot and reload with cdc.snapshot.mode=initial.";
			abortReplicationConnection();
		}
	}

	private void heartbeat() {
		if (!connected()) {
			return;
		}
		try {
			emitMessage(true, HEARTBEAT_PREFIX);
		}
		catch (SQLException ex) {
			closeHeartbeatConnection();
			logger.warn("Heartbeat failed: " + ex.getMessage());
		}
	}

	private void emitMessage(boolean transactional, String prefix) throws SQLException {
		synchronized (this.heartbeatLock) {
			emitMessageLocked(transactional, prefix);
		}
	}

	private void emitMessageLocked(boolean transactional, String prefix) throws SQLException {
		openHeartbeatConnectionLocked();
		try (PreparedStatement statement = this.heartbeatConnection
			.prepareStatement("SELECT pg_logical_emit_message(?, ?, now()::text)")) {
			statement.setBoolean(1, transactional);
			statement.setString(2, prefix);
			statement.execute();
		}
	}

	/** Open the connection of heartbeats, wake-ups and checks when needed; call with the heartbeat lock. */
	private void openHeartbeatConnectionLocked() throws SQLException {
		if (this.heartbeatConnection == null || this.heartbeatConnection.isClosed()) {
			this.heartbeatConnection = this.connector.open();
			try (var statement = this.heartbeatConnection.createStatement()) {
				// a heartbeat must not wait for a synchronous standby that may be down
				statement.execute("SET synchronous_commit = local");
			}
		}
	}

	private void closeHeartbeatConnection() {
		synchronized (this.heartbeatLock) {
			closeHeartbeatConnectionLocked();
		}
	}

	private void closeHeartbeatConnectionLocked() {
		if (this.heartbeatConnection != null) {
			try {
				this.heartbeatConnection.close();
			}
			catch (SQLException ex) {
				// already broken
			}
			this.heartbeatConnection = null;
		}
	}

	/**
	 * Presume the connection dead when the reader has waited in {@code read()} past the timeout while the
	 * server's position did not move either (keepalives move it even when no data is sent).
	 */
	private void watchdog() {
		long blockedSince = this.readBlockedSince;
		PGReplicationStream stream = this.currentStream;
		if (blockedSince == 0 || stream == null) {
			return;
		}
		long received = stream.getLastReceiveLSN().asLong();
		if (received != this.lastWatchedReceiveLsn) {
			this.lastWatchedReceiveLsn = received;
			this.lastProgressNanos = System.nanoTime();
			return;
		}
		long quietMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - Math.max(blockedSince, this.lastProgressNanos));
		if (quietMillis > this.watchdogTimeoutMillis) {
			logger.warn("No data or keepalive from the server for " + quietMillis + " ms; presuming the replication "
					+ "connection dead and reconnecting");
			abortReplicationConnection();
		}
	}

	private void wakeReader() {
		try {
			emitMessage(false, WAKEUP_PREFIX);
		}
		catch (SQLException ex) {
			abortReplicationConnection();
		}
	}

	private void abortReplicationConnection() {
		Connection connection = this.replicationConnection;
		if (connection != null) {
			try {
				connection.abort(Runnable::run);
			}
			catch (SQLException ex) {
				logger.debug("Could not abort the replication connection", ex);
			}
		}
	}

	private static Thread newThread(Runnable task, String name) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		return thread;
	}

	private static void join(Thread thread, long millis) {
		try {
			thread.join(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
