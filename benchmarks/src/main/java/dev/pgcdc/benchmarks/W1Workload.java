package dev.pgcdc.benchmarks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Workload W1 of design.md section 8: a table of 9 columns of the common types, filled in transactions
 * of {@code batch} rows after the publication and every slot exist, so that every slot sees every row.
 */
final class W1Workload {

	static final String TABLE = "w1";

	static final String PUBLICATION = "pgcdc_bench_w1";

	/** The debezium variant's own publication, of the same table. */
	static final String DEBEZIUM_PUBLICATION = "pgcdc_bench_w1_debezium";

	static final String SLOT_PREFIX = "pgcdc_bench_";

	static final int COLUMNS = 9;

	private static final String INSERT = """
			INSERT INTO w1 (id, qty, name, price, descr, created_at, attrs, active, ref)
			SELECT g,
			       (g % 1000)::int,
			       'product ' || g,
			       (g % 10000) / 100.0,
			       md5(g::text),
			       now(),
			       jsonb_build_object('color', (ARRAY['red', 'green', 'blue'])[1 + g % 3], 'size', g % 50,
			                          'tags', jsonb_build_array('new', 'sale')),
			       g % 2 = 0,
			       gen_random_uuid()
			FROM generate_series(?::bigint, ?::bigint) AS g
			""";

	private final BenchmarkDatabase database;

	private final List<String> slots = new ArrayList<>();

	W1Workload(BenchmarkDatabase database) {
		this.database = database;
	}

	/**
	 * Create the table and the publication; on an embedded server whatever a previous run left is
	 * replaced, on an external one it is an error.
	 * @throws SQLException on a database error
	 */
	void createSchema() throws SQLException {
		try (Connection connection = this.database.connect(); Statement statement = connection.createStatement()) {
			if (leftovers(connection)) {
				if (!this.database.isEmbedded()) {
					throw new IllegalStateException("Table " + TABLE + ", publication " + PUBLICATION + " or a slot named "
							+ SLOT_PREFIX + "* already exists in this database (left by an interrupted run?). Drop them, "
							+ "or use another database.");
				}
				dropEverything(connection);
			}
			statement.execute("""
					CREATE TABLE w1 (
					    id bigint PRIMARY KEY,
					    qty int,
					    name text,
					    price numeric(12,2),
					    descr text,
					    created_at timestamptz,
					    attrs jsonb,
					    active bool,
					    ref uuid
					)""");
			statement.execute("CREATE PUBLICATION " + PUBLICATION + " FOR TABLE " + TABLE);
			statement.execute("CREATE PUBLICATION " + DEBEZIUM_PUBLICATION + " FOR TABLE " + TABLE);
		}
	}

	/**
	 * Create a logical replication slot with the pgoutput plugin; create every slot before inserting.
	 * @param name the slot name
	 * @throws SQLException on a database error
	 */
	void createSlot(String name) throws SQLException {
		try (Connection connection = this.database.connect();
				PreparedStatement statement = connection
					.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
			statement.setString(1, name);
			statement.execute();
		}
		this.slots.add(name);
	}

	/**
	 * Insert the rows, {@code batch} per transaction.
	 * @param rows how many rows
	 * @param batch rows per transaction
	 * @throws SQLException on a database error
	 */
	void insert(long rows, int batch) throws SQLException {
		try (Connection connection = this.database.connect();
				PreparedStatement statement = connection.prepareStatement(INSERT)) {
			connection.setAutoCommit(true);
			for (long first = 1; first <= rows; first += batch) {
				statement.setLong(1, first);
				statement.setLong(2, Math.min(rows, first + batch - 1));
				statement.executeUpdate();
			}
		}
	}

	/**
	 * Return the WAL written for the table since the slots were created, for the environment report.
	 * @return bytes of WAL the slots retain
	 * @throws SQLException on a database error
	 */
	long retainedWalBytes() throws SQLException {
		String value = this.database.queryString("SELECT max(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn))::bigint "
				+ "FROM pg_replication_slots WHERE slot_name LIKE '" + SLOT_PREFIX + "%'");
		return (value != null) ? Long.parseLong(value) : 0;
	}

	/**
	 * Drop the slots, the publication and the table; slots still held by a closing connection are retried
	 * for a while.
	 * @throws SQLException on a database error
	 */
	void dropEverything() throws SQLException {
		try (Connection connection = this.database.connect()) {
			dropEverything(connection);
		}
	}

	private void dropEverything(Connection connection) throws SQLException {
		List<String> names = new ArrayList<>(this.slots);
		try (Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery(
						"SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE '" + SLOT_PREFIX + "%' "
								+ "AND database = current_database()")) {
			while (rs.next()) {
				if (!names.contains(rs.getString(1))) {
					names.add(rs.getString(1));
				}
			}
		}
		for (String slot : names) {
			dropSlot(connection, slot);
		}
		this.slots.clear();
		try (Statement statement = connection.createStatement()) {
			statement.execute("DROP PUBLICATION IF EXISTS " + PUBLICATION);
			statement.execute("DROP PUBLICATION IF EXISTS " + DEBEZIUM_PUBLICATION);
			statement.execute("DROP TABLE IF EXISTS " + TABLE);
		}
	}

	private static void dropSlot(Connection connection, String slot) throws SQLException {
		long deadline = System.nanoTime() + 30_000_000_000L;
		while (true) {
			try (PreparedStatement statement = connection.prepareStatement(
					"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
				statement.setString(1, slot);
				statement.execute();
				return;
			}
			catch (SQLException ex) {
				// 55006: still active while its walsender winds down
				if (!"55006".equals(ex.getSQLState()) || System.nanoTime() > deadline) {
					throw ex;
				}
				sleep(200);
			}
		}
	}

	private static boolean leftovers(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(
				"SELECT (SELECT count(*) FROM pg_class WHERE relname = '" + TABLE + "' AND relnamespace = 'public'::regnamespace)"
						+ " + (SELECT count(*) FROM pg_publication WHERE pubname IN ('" + PUBLICATION + "', '"
						+ DEBEZIUM_PUBLICATION + "'))"
						+ " + (SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE '" + SLOT_PREFIX + "%'"
						+ " AND database = current_database())")) {
			rs.next();
			return rs.getLong(1) > 0;
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
