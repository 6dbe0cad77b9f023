package dev.pgcdc.replication;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.event.Lsn;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.postgresql.replication.PGReplicationStream;

/**
 * Keeps a quiet stream alive and its slot moving, from the scheduler thread: confirms the server's
 * position when nothing is pending, wakes a reader blocked in {@code read()} so pgjdbc answers keepalives,
 * writes heartbeats so an idle publication does not hold WAL, and checks that the publication still exists
 * (all on the one {@link HeartbeatConnection}).
 *
 * @author pgcdc
 */
final class StreamKeepalive {

	/** Prefix of the heartbeat messages the engine writes; never delivered to consumers. */
	static final String HEARTBEAT_PREFIX = ReplicationEngine.HEARTBEAT_PREFIX;

	/** Prefix of the message that wakes the reader when stopping; never delivered. */
	static final String WAKEUP_PREFIX = "pgcdc-wakeup";

	private static final Log logger = LogFactory.getLog(StreamKeepalive.class);

	private final ReplicationSettings settings;

	private final ReaderActivity activity;

	private final RunState run;

	private final FlushTracker flushTracker;

	private final PositionAcknowledger acknowledger;

	private final HeartbeatConnection heartbeatConnection;

	private final ConnectionWatchdog watchdog;

	private final long wakeIntervalMillis;

	private volatile long lastWakeNanos;

	StreamKeepalive(ReplicationSettings settings, ReaderActivity activity, RunState run, FlushTracker flushTracker,
			PositionAcknowledger acknowledger, HeartbeatConnection heartbeatConnection, ConnectionWatchdog watchdog,
			long senderTimeoutMillis) {
		this.settings = settings;
		this.activity = activity;
		this.run = run;
		this.flushTracker = flushTracker;
		this.acknowledger = acknowledger;
		this.heartbeatConnection = heartbeatConnection;
		this.watchdog = watchdog;
		long status = settings.statusInterval().toMillis();
		this.wakeIntervalMillis = (senderTimeoutMillis > 0) ? Math.min(status, senderTimeoutMillis / 4) : status;
	}

	void start(ScheduledExecutorService scheduler) {
		Duration heartbeat = this.settings.heartbeatInterval();
		if (heartbeat != null && !heartbeat.isZero() && !heartbeat.isNegative()) {
			scheduler.scheduleWithFixedDelay(this::heartbeat, heartbeat.toMillis(), heartbeat.toMillis(),
					TimeUnit.MILLISECONDS);
		}
		long tend = Math.min(1000, this.settings.statusInterval().toMillis());
		scheduler.scheduleWithFixedDelay(this::tendIdleStream, tend, tend, TimeUnit.MILLISECONDS);
		long check = Math.max(1000, this.settings.statusInterval().toMillis());
		scheduler.scheduleWithFixedDelay(this::checkPublication, check, check, TimeUnit.MILLISECONDS);
	}

	/**
	 * Keep a quiet stream's confirmed position moving.
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
		PGReplicationStream stream = this.activity.stream();
		if (stream == null || !this.run.connected()) {
			return;
		}
		long generation = this.activity.readGeneration();
		if (this.activity.readBlockedSince() != 0 && !this.activity.inTransaction()
				&& this.flushTracker.flushable().compareTo(this.activity.resumeLsn()) >= 0) {
			Lsn received = new Lsn(stream.getLastReceiveLSN().asLong());
			if (generation == this.activity.readGeneration() && this.activity.readBlockedSince() != 0
					&& !this.activity.inTransaction()) {
				this.acknowledger.confirm(stream, received);
			}
		}
		long blockedSince = this.activity.readBlockedSince();
		long now = System.nanoTime();
		long wakeNanos = TimeUnit.MILLISECONDS.toNanos(this.wakeIntervalMillis);
		if (blockedSince != 0 && now - blockedSince >= wakeNanos && now - this.lastWakeNanos >= wakeNanos) {
			this.lastWakeNanos = now;
			try {
				this.heartbeatConnection.emitMessage(false, WAKEUP_PREFIX);
			}
			catch (SQLException ex) {
				this.heartbeatConnection.close();
				logger.debug("Could not wake the reader", ex);
			}
		}
	}

	/**
	 * PostgreSQL 18's pgoutput skips a publication dropped while streaming (with a warning in the server log)
	 * where older servers fail the stream: changes of its tables would silently stop. Checked every status
	 * interval; once gone, nothing more is confirmed and capture stops with the recovery.
	 */
	private void checkPublication() {
		if (!this.run.connected() || this.acknowledger.frozenReason() != null) {
			return;
		}
		boolean exists;
		try {
			exists = this.heartbeatConnection.publicationExists(this.settings.publicationName());
		}
		catch (SQLException ex) {
			this.heartbeatConnection.close();
			logger.debug("Could not check the publication", ex);
			return;
		}
		if (!exists) {
			this.acknowledger.freeze("publication \"" + this.settings.publicationName() + "\" does not exist. The "
					+ "publication was dropped while streaming; changes since then cannot be recovered from this slot. "
					+ "Recreate it, drop the slot and reload with cdc.snapshot.mode=initial.");
			this.watchdog.abortReplicationConnection();
		}
	}

	private void heartbeat() {
		if (!this.run.connected()) {
			return;
		}
		try {
			this.heartbeatConnection.emitMessage(true, HEARTBEAT_PREFIX);
		}
		catch (SQLException ex) {
			this.heartbeatConnection.close();
			logger.warn("Heartbeat failed: " + ex.getMessage());
		}
	}

	/** Make a reader blocked in {@code read()} return, by a message or else by ending its connection. */
	void wakeReader() {
		try {
			this.heartbeatConnection.emitMessage(false, WAKEUP_PREFIX);
		}
		catch (SQLException ex) {
			this.watchdog.abortReplicationConnection();
		}
	}

	void stop() {
		this.heartbeatConnection.close();
	}

}
