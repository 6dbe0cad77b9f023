package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The plain connection of heartbeats, reader wake-ups and the publication check, opened when first needed
 * and again after a failure (whoever sees one {@linkplain #close() closes} it). Safe from any thread.
 *
 * @author pgcdc
 */
final class HeartbeatConnection {

	private final PgConnector connector;

	private final Object lock = new Object();

	private Connection connection;

	HeartbeatConnection(PgConnector connector) {
		this.connector = connector;
	}

	/** Write a logical decoding message the reader receives and skips. */
	void emitMessage(boolean transactional, String prefix) throws SQLException {
		synchronized (this.lock) {
			try (PreparedStatement statement = openLocked()
				.prepareStatement("SELECT pg_logical_emit_message(?, ?, now()::text)")) {
				statement.setBoolean(1, transactional);
				statement.setString(2, prefix);
				statement.execute();
			}
		}
	}

	/**
	 * Write a transactional message and return its position: the server flushes it at its commit, so the
	 * reader receives it as soon as it is committed.
	 */
	dev.pgcdc.event.Lsn emitMarker(String prefix) throws SQLException {
		synchronized (this.lock) {
			try (PreparedStatement statement = openLocked()
				.prepareStatement("SELECT pg_logical_emit_message(true, ?, '')::text")) {
				statement.setString(1, prefix);
				try (var result = statement.executeQuery()) {
					result.next();
					return dev.pgcdc.event.Lsn.parse(result.getString(1));
				}
			}
		}
	}

	boolean publicationExists(String publication) throws SQLException {
		synchronized (this.lock) {
			try (PreparedStatement statement = openLocked()
				.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
				statement.setString(1, publication);
				try (var result = statement.executeQuery()) {
					return result.next();
				}
			}
		}
	}

	private Connection openLocked() throws SQLException {
		if (this.connection == null || this.connection.isClosed()) {
			this.connection = this.connector.open();
			try (var statement = this.connection.createStatement()) {
				// a heartbeat must not wait for a synchronous standby that may be down
				statement.execute("SET synchronous_commit = local");
			}
		}
		return this.connection;
	}

	void close() {
		synchronized (this.lock) {
			if (this.connection != null) {
				try {
					this.connection.close();
				}
				catch (SQLException ex) {
					// already broken
				}
				this.connection = null;
			}
		}
	}

}
