package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.postgresql.replication.PGReplicationStream;

/**
 * Ends a replication connection that is dead or holds the server up, so the reader reconnects: one whose
 * {@code read()} has heard nothing from the server for too long (a half-open TCP connection), and one
 * whose server is going down (told by {@link ServerWatch}, which must not wait for the reader to notice).
 *
 * @author pgcdc
 */
final class ConnectionWatchdog {

	private static final Log logger = LogFactory.getLog(ConnectionWatchdog.class);

	private final ReaderActivity activity;

	private final RunState run;

	private final long timeoutMillis;

	private final ServerWatch serverWatch;

	private final Thread serverWatchThread;

	private long lastWatchedReceiveLsn;

	/**
	 * @param timeoutMillis how long {@code read()} may hear nothing, {@code 0} for no limit
	 * @param threads makes the thread of the server watch
	 */
	ConnectionWatchdog(ReaderActivity activity, RunState run, PgConnector connector, long timeoutMillis,
			long retryMillis, Function<Runnable, Thread> threads) {
		this.activity = activity;
		this.run = run;
		this.timeoutMillis = timeoutMillis;
		this.serverWatch = new ServerWatch(connector, this::serverGone, retryMillis);
		this.serverWatchThread = threads.apply(this.serverWatch);
	}

	/**
	 * How long the reader may wait in {@code read()} without any sign of the server before the connection
	 * is presumed dead. The server sends a keepalive within {@code wal_sender_timeout / 2} of client silence,
	 * and a heartbeat message arrives every heartbeat interval.
	 */
	static long timeoutMillis(long senderTimeoutMillis, long heartbeatMillis) {
		long timeout = Math.max(senderTimeoutMillis * 2, heartbeatMillis * 3);
		return (senderTimeoutMillis == 0 && heartbeatMillis == 0) ? 0 : timeout;
	}

	void start(ScheduledExecutorService scheduler) {
		this.serverWatchThread.start();
		if (this.timeoutMillis > 0) {
			long period = Math.max(100, Math.min(5000, this.timeoutMillis / 4));
			scheduler.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
		}
	}

	void stop() {
		this.serverWatch.stop();
	}

	/**
	 * Presume the connection dead when the reader has waited in {@code read()} past the timeout while the
	 * server's position did not move either (keepalives move it even when no data is sent).
	 */
	private void check() {
		long blockedSince = this.activity.readBlockedSince();
		PGReplicationStream stream = this.activity.stream();
		if (blockedSince == 0 || stream == null) {
			return;
		}
		long received = stream.getLastReceiveLSN().asLong();
		if (received != this.lastWatchedReceiveLsn) {
			this.lastWatchedReceiveLsn = received;
			this.activity.progressed();
			return;
		}
		long quietMillis = TimeUnit.NANOSECONDS
			.toMillis(System.nanoTime() - Math.max(blockedSince, this.activity.lastProgressNanos()));
		if (quietMillis > this.timeoutMillis) {
			logger.warn("No data or keepalive from the server for " + quietMillis + " ms; presuming the replication "
					+ "connection dead and reconnecting");
			abortReplicationConnection();
		}
	}

	/** The server ended the watch connection: it is going down, so do not hold its shutdown up. */
	private void serverGone() {
		if (this.run.running() && this.run.connected()) {
			logger.warn("The server ended its sessions (shutdown or crash); closing the replication connection and "
					+ "reconnecting when it is back");
			abortReplicationConnection();
		}
	}

	/** Make the reader's blocked {@code read()} fail at once; it then reconnects or ends. */
	void abortReplicationConnection() {
		Connection connection = this.activity.connection();
		if (connection != null) {
			try {
				connection.abort(Runnable::run);
			}
			catch (SQLException ex) {
				logger.debug("Could not abort the replication connection", ex);
			}
		}
	}

}
