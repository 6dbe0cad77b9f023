package dev.pgcdc.replication;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

import dev.pgcdc.replication.ReplicationSetup.SlotStatus;
import dev.pgcdc.replication.types.ValueDecoders;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * One run of a {@link ReplicationEngine}, from its start to its stop: the queue between reader and
 * dispatcher, their two threads, and the scheduler, watchdog and keepalive that tend the connection; and
 * how each of them ends, on a stop or on a failure.
 *
 * @author pgcdc
 */
final class StreamingRun {

	// capture stopping is the engine's news: logged under its name, where operators look for it
	private static final Log logger = LogFactory.getLog(ReplicationEngine.class);

	private final RunState run;

	private final PositionAcknowledger acknowledger;

	private final ReaderActivity activity;

	private final EventQueue queue;

	private final Dispatcher dispatcher;

	private final Thread readerThread;

	private final Thread dispatcherThread;

	private final ScheduledExecutorService scheduler;

	private final ConnectionWatchdog watchdog;

	private final StreamKeepalive keepalive;

	/**
	 * @param queue the queue, holding what must be delivered first
	 * @param memory the budget of this run's buffers of changes
	 * @param senderTimeoutMillis the server's {@code wal_sender_timeout}
	 * @param snapshotStarted told of the progress of an initial snapshot
	 */
	StreamingRun(EngineParts parts, EventQueue queue, MemoryBudget memory, List<ChangeConsumer> consumers,
			DispatchErrorHandler errorHandler,
			HeartbeatConnection heartbeatConnection, ValueDecoders decoders, SlotStatus slotStatus,
			long senderTimeoutMillis, Consumer<SnapshotProgress> snapshotStarted) {
		ReplicationSettings settings = parts.settings();
		this.run = parts.run();
		this.acknowledger = parts.acknowledger();
		this.activity = parts.activity();
		this.queue = queue;
		EngineControl control = new EngineControl() {

			@Override
			public void fail(String reason, Throwable cause) {
				consumerFailed(reason, cause);
			}

			@Override
			public MemoryBudget memory() {
				return memory;
			}

			@Override
			public DeliveryGate gate() {
				return parts.gate();
			}

		};
		for (ChangeConsumer consumer : consumers) {
			consumer.attach(control);
		}
		this.dispatcher = new Dispatcher(queue, consumers, errorHandler, parts.flushTracker(), parts.statistics(),
				this::dispatchFailed, memory, settings.spillDirectory(), parts.gate());
		BatchHandOver handOver = new BatchHandOver(queue, this.run, this.activity, parts.acknowledger(),
				parts.continuation(), settings, parts.gate());
		InitialSnapshot snapshot = new InitialSnapshot(parts, decoders, handOver, snapshotStarted);
		StreamReader reader = new StreamReader(parts, handOver, decoders, slotStatus, this::failFor,
				this::snapshotOnlyDone, snapshot, new InProgressTransactions(memory, settings.spillDirectory()));
		String slot = settings.slotName();
		this.dispatcherThread = newThread(this.dispatcher, "pgcdc-dispatch-" + slot);
		this.readerThread = newThread(reader, "pgcdc-reader-" + slot);
		this.scheduler = Executors.newSingleThreadScheduledExecutor((task) -> newThread(task, "pgcdc-heartbeat-" + slot));
		long heartbeatMillis = (settings.heartbeatInterval() != null) ? settings.heartbeatInterval().toMillis() : 0;
		this.watchdog = new ConnectionWatchdog(this.activity, this.run, parts.connector(),
				ConnectionWatchdog.timeoutMillis(senderTimeoutMillis, heartbeatMillis),
				settings.reconnectInitialInterval().toMillis(), (task) -> newThread(task, "pgcdc-watch-" + slot));
		this.keepalive = new StreamKeepalive(settings, this.activity, this.run, parts.flushTracker(),
				parts.acknowledger(), heartbeatConnection, this.watchdog, senderTimeoutMillis);
	}

	void start() {
		this.dispatcherThread.start();
		this.readerThread.start();
		this.watchdog.start(this.scheduler);
		this.keepalive.start(this.scheduler);
	}

	/** Finish the batch being dispatched, end every thread, and drop what is still queued. */
	void stop() {
		this.dispatcher.stop();
		join(this.dispatcherThread, 5_000);
		if (this.dispatcherThread.isAlive()) {
			// a consumer that does not take more work (a stuck listener with a full queue) must not hold
			// shutdown: what it did not finish is not confirmed and comes again on the next start
			this.dispatcherThread.interrupt();
			join(this.dispatcherThread, 25_000);
		}
		if (this.activity.readBlockedSince() != 0) {
			this.keepalive.wakeReader();
		}
		join(this.readerThread, 5_000);
		if (this.readerThread.isAlive()) {
			this.watchdog.abortReplicationConnection();
			join(this.readerThread, 5_000);
		}
		this.scheduler.shutdownNow();
		this.watchdog.stop();
		this.keepalive.stop();
		this.queue.clear();
	}

	void pause(boolean paused) {
		this.dispatcher.pause(paused);
	}

	EventQueue queue() {
		return this.queue;
	}

	/** The reader stops capture: a failure retrying cannot fix. */
	private void failFor(String reason, Throwable ex) {
		this.acknowledger.freeze(reason);
		this.run.fail(reason);
		logger.error("Change data capture stopped: " + reason, ex);
		this.dispatcher.stop();
	}

	/** {@code cdc.snapshot.mode=initial-only}: the snapshot was delivered, and that is all. */
	private void snapshotOnlyDone() {
		this.run.state(EngineState.STOPPED);
		this.run.halt();
		this.dispatcher.stop();
	}

	private void consumerFailed(String reason, Throwable cause) {
		this.acknowledger.freeze(reason);
		this.run.fail(reason);
		logger.error("Change data capture stopped: " + reason, cause);
		this.dispatcher.stop();
		this.keepalive.wakeReader();
	}

	private void dispatchFailed(Exception ex) {
		this.acknowledger.freeze(String.valueOf(ex.getMessage()));
		this.run.fail("A consumer failed and the error handler stopped the stream: " + ex.getMessage());
		logger.error("Change data capture stopped; the failed transaction was not acknowledged and will be "
				+ "delivered again after a restart", ex);
		this.keepalive.wakeReader();
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
