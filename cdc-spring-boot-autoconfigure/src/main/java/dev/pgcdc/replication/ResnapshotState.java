package dev.pgcdc.replication;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.pgcdc.event.TableId;

/**
 * Remembers, in a small table of the captured database, how far each table of a slot's re-snapshot got: the
 * key of the last chunk delivered to every consumer, so that a re-snapshot stopped half-way continues after
 * it instead of starting over.
 *
 * <p>Statuses: {@code PENDING} (requested, not started), {@code RUNNING} (with the last delivered key, or none
 * yet), {@code DONE}.
 *
 * @author pgcdc
 */
final class ResnapshotState {

	static final String TABLE = "cdc_resnapshot_state";

	static final String PENDING = "PENDING";

	static final String RUNNING = "RUNNING";

	static final String DONE = "DONE";

	private final PgConnector connector;

	private final String slot;

	ResnapshotState(PgConnector connector, String slot) {
		this.connector = connector;
		this.slot = slot;
	}

	/** A table's recorded position. */
	record Entry(TableId table, String status, String[] lastKey, long rowsDone) {
	}

	/**
	 * Return the unfinished (PENDING or RUNNING) entries of this slot, in the order they were requested.
	 */
	Map<TableId, Entry> unfinished() throws SQLException {
		Map<TableId, Entry> entries = new LinkedHashMap<>();
		try (Connection connection = this.connector.open();
				PreparedStatement statement = connection.prepareStatement("SELECT table_name, status, last_key, rows_done FROM "
						+ TABLE + " WHERE slot_name = ? AND status <> '" + DONE + "' ORDER BY requested_at, table_name")) {
			statement.setString(1, this.slot);
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					TableId table = TableId.parse(rs.getString(1));
					Array key = rs.getArray(3);
					entries.put(table, new Entry(table, rs.getString(2), (key != null) ? (String[]) key.getArray() : null,
							rs.getLong(4)));
				}
			}
		}
		catch (SQLException ex) {
			if ("42P01".equals(ex.getSQLState())) {
				return entries;
			}
			throw ex;
		}
		return entries;
	}

	/** Record tables as requested, keeping the position of those already under way. */
	void requested(Iterable<TableId> tables) throws SQLException {
		try (Connection connection = this.connector.open()) {
			createTable(connection);
			try (PreparedStatement statement = connection.prepareStatement("INSERT INTO " + TABLE
					+ " (slot_name, table_name, status) VALUES (?, ?, '" + PENDING + "') ON CONFLICT (slot_name, table_name) "
					+ "DO UPDATE SET status = '" + PENDING + "', last_key = NULL, rows_done = 0, requested_at = now(), "
					+ "updated_at = now() WHERE " + TABLE + ".status = '" + DONE + "'")) {
				for (TableId table : tables) {
					statement.setString(1, this.slot);
					statement.setString(2, table.toString());
					statement.addBatch();
				}
				statement.executeBatch();
			}
		}
	}

	/** Record a chunk delivered to every consumer: the table continues after this key. */
	void chunkDone(Connection connection, TableId table, String[] lastKey, long rowsDone) throws SQLException {
		update(connection, table, RUNNING, lastKey, rowsDone);
	}

	void tableDone(Connection connection, TableId table, long rowsDone) throws SQLException {
		update(connection, table, DONE, null, rowsDone);
	}

	private void update(Connection connection, TableId table, String status, String[] lastKey, long rowsDone)
			throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement("UPDATE " + TABLE
				+ " SET status = ?, last_key = ?, rows_done = ?, updated_at = now() WHERE slot_name = ? AND table_name = ?")) {
			statement.setString(1, status);
			statement.setArray(2, (lastKey != null) ? connection.createArrayOf("text", lastKey) : null);
			statement.setLong(3, rowsDone);
			statement.setString(4, this.slot);
			statement.setString(5, table.toString());
			statement.executeUpdate();
		}
	}

	private static void createTable(Connection connection) throws SQLException {
		try (Statement ddl = connection.createStatement()) {
			ddl.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (slot_name text NOT NULL, table_name text NOT NULL, "
					+ "status text NOT NULL, last_key text[], rows_done bigint NOT NULL DEFAULT 0, "
					+ "requested_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(), "
					+ "PRIMARY KEY (slot_name, table_name))");
		}
	}

}
