package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Remembers, in a small table of the captured database, whether the initial snapshot of a slot finished,
 * so that one interrupted by a crash or a stop is redone on the next start instead of silently followed
 * by streaming.
 *
 * @author pgcdc
 */
final class SnapshotState {

	static final String TABLE = "cdc_snapshot_state";

	static final String RUNNING = "RUNNING";

	static final String DONE = "DONE";

	private final PgConnector connector;

	SnapshotState(PgConnector connector) {
		this.connector = connector;
	}

	/**
	 * Return the recorded state of a slot's snapshot.
	 * @return {@link #RUNNING}, {@link #DONE}, or {@code null} when none was recorded
	 */
	static String status(Connection connection, String slot) throws SQLException {
		try (PreparedStatement statement = connection
			.prepareStatement("SELECT status FROM " + TABLE + " WHERE slot_name = ?")) {
			statement.setString(1, slot);
			try (ResultSet rs = statement.executeQuery()) {
				return rs.next() ? rs.getString(1) : null;
			}
		}
		catch (SQLException ex) {
			if ("42P01".equals(ex.getSQLState())) {
				return null;
			}
			throw ex;
		}
	}

	void running(String slot) throws SQLException {
		record(slot, RUNNING);
	}

	void done(String slot) throws SQLException {
		record(slot, DONE);
	}

	private void record(String slot, String status) throws SQLException {
		try (Connection connection = this.connector.open(); Statement ddl = connection.createStatement()) {
			ddl.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (slot_name text PRIMARY KEY, status text NOT NULL, "
					+ "updated_at timestamptz NOT NULL DEFAULT now())");
			try (PreparedStatement statement = connection.prepareStatement("INSERT INTO " + TABLE
					+ " (slot_name, status) VALUES (?, ?) ON CONFLICT (slot_name) DO UPDATE SET status = EXCLUDED.status, "
					+ "updated_at = now()")) {
				statement.setString(1, slot);
				statement.setString(2, status);
				statement.executeUpdate();
			}
		}
	}

}
