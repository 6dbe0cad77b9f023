package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.postgresql.PGConnection;

/**
 * Notices at once when the server ends its sessions (a fast or immediate shutdown, a crash, a
 * terminated backend) by keeping one plain connection blocked in a read, and tells the engine.
 *
 * <p>Needed because the replication connection cannot notice by itself: pgjdbc answers a server
 * keepalive only after the next message arrives, so a server shutting down would wait for a reply that
 * never comes. Dropping the replication connection lets the shutdown finish; the engine reconnects
 * when the server is back.
 *
 * @author pgcdc
 */
final class ServerWatch implements Runnable {

	private static final Log logger = LogFactory.getLog(ServerWatch.class);

	private final PgConnector connector;

	private final Runnable onServerGone;

	private final long retryMillis;

	private volatile boolean running = true;

	private volatile Connection connection;

	ServerWatch(PgConnector connector, Runnable onServerGone, long retryMillis) {
		this.connector = connector;
		this.onServerGone = onServerGone;
		this.retryMillis = retryMillis;
	}

	@Override
	public void run() {
		while (this.running) {
			Connection watched;
			try {
				watched = this.connector.openWatch();
			}
			catch (SQLException ex) {
				// could not connect (connections full, server down): not a sign the stream is dead
				logger.debug("Server watch could not connect: " + ex.getMessage());
				sleep();
				continue;
			}
			this.connection = watched;
			try (watched) {
				if (!this.running) {
					return;
				}
				// blocks until the server sends something or ends the session; nothing is ever notified
				watched.unwrap(PGConnection.class).getNotifications(0);
			}
			catch (SQLException ex) {
				if (!this.running) {
					return;
				}
				logger.debug("Server watch connection ended: " + ex.getMessage());
				this.onServerGone.run();
			}
			finally {
				this.connection = null;
			}
			sleep();
		}
	}

	void stop() {
		this.running = false;
		Connection current = this.connection;
		if (current != null) {
			try {
				current.abort(Runnable::run);
			}
			catch (SQLException ex) {
				// closing anyway
			}
		}
	}

	private void sleep() {
		try {
			TimeUnit.MILLISECONDS.sleep(this.retryMillis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.running = false;
		}
	}

}
