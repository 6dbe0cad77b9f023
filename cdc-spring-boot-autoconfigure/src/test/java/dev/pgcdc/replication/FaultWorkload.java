package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;

/**
 * The mixed workload of the fault-injection campaign: one writer thread committing, at a steady pace, inserts,
 * updates and deletes of one row, small mixed transactions, 10,000-row inserts, updates and deletes, rows
 * with TOASTed values (and updates that leave them unchanged), and truncates.
 *
 * <p>The database keeps the ledger of what was committed: triggers write every change of a captured table
 * ({@code xid}, table, operation, id, and the workload's transaction number) to the uncaptured table
 * {@code ledger}, in the same transaction. Whatever the faults (a server killed in the middle of a commit
 * included), the ledger holds exactly the committed changes.
 */
final class FaultWorkload implements Runnable {

	static final String TABLES = "items,docs,bursts";

	private static final String[] SCHEMA = {
			"CREATE TABLE ledger (tx bigint NOT NULL, xid bigint NOT NULL, tbl text NOT NULL, op char(1) NOT NULL, id bigint NOT NULL)",
			"CREATE SEQUENCE ids",
			"CREATE TABLE items (id bigint PRIMARY KEY, tx bigint NOT NULL, payload text)",
			"CREATE TABLE docs (id bigint PRIMARY KEY, tx bigint NOT NULL, body text)",
			"CREATE TABLE bursts (id bigint PRIMARY KEY, tx bigint NOT NULL)",
			"""
			CREATE FUNCTION record_change() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				INSERT INTO ledger VALUES (current_setting('w.tx')::bigint, txid_current(), TG_TABLE_NAME, left(TG_OP, 1),
					CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
				RETURN NULL;
			END $$""",
			"""
			CREATE FUNCTION record_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				INSERT INTO ledger VALUES (current_setting('w.tx')::bigint, txid_current(), TG_TABLE_NAME, 'T', 0);
				RETURN NULL;
			END $$""",
			"CREATE TRIGGER items_ledger AFTER INSERT OR UPDATE OR DELETE ON items FOR EACH ROW EXECUTE FUNCTION record_change()",
			"CREATE TRIGGER docs_ledger AFTER INSERT OR UPDATE OR DELETE ON docs FOR EACH ROW EXECUTE FUNCTION record_change()",
			"CREATE TRIGGER bursts_ledger AFTER INSERT OR UPDATE OR DELETE ON bursts FOR EACH ROW EXECUTE FUNCTION record_change()",
			"CREATE TRIGGER bursts_truncate AFTER TRUNCATE ON bursts FOR EACH STATEMENT EXECUTE FUNCTION record_truncate()",
			// a first batch so that updates and deletes find rows from the start
			"SELECT set_config('w.tx', '0', false)",
			"INSERT INTO items SELECT nextval('ids'), 0, md5(g::text) FROM generate_series(1, 2000) g" };

	/** A random existing row of items, at or after a random point of its id range. */
	private static final String SOME_ITEM = "(SELECT id FROM items WHERE id >= (SELECT (random() * max(id))::bigint FROM items) ORDER BY id LIMIT %d)";

	/** A text of about 12 kB that compresses to about half: stored out of line (TOAST). */
	private static final String TOASTED = "(SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 400))";

	private final String url;

	private final Random random;

	private final long pauseNanos;

	private final AtomicLong committed = new AtomicLong();

	private final AtomicLong failed = new AtomicLong();

	private volatile boolean running = true;

	private Thread thread;

	/**
	 * @param database where to write
	 * @param seed the random seed
	 * @param transactionsPerSecond the pace
	 */
	FaultWorkload(TestDatabase database, long seed, int transactionsPerSecond) {
		this(database.jdbcUrl(), seed, transactionsPerSecond);
	}

	/**
	 * @param url where to write (a multi-host URL follows a failover)
	 * @param seed the random seed
	 * @param transactionsPerSecond the pace
	 */
	FaultWorkload(String url, long seed, int transactionsPerSecond) {
		this.url = url;
		this.random = new Random(seed);
		this.pauseNanos = TimeUnit.SECONDS.toNanos(1) / transactionsPerSecond;
	}

	static void createSchema(TestDatabase database) {
		database.execute(SCHEMA);
	}

	void start() {
		this.thread = new Thread(this, "fault-workload");
		this.thread.start();
	}

	/**
	 * Stop writing and wait for the writer.
	 * @return the transactions the writer saw committed (the ledger is the truth)
	 */
	long stop() throws InterruptedException {
		this.running = false;
		if (this.thread != null) {
			this.thread.join();
		}
		return this.committed.get();
	}

	long committed() {
		return this.committed.get();
	}

	long failed() {
		return this.failed.get();
	}

	@Override
	public void run() {
		long tx = 0;
		while (this.running) {
			try (Connection connection = DriverManager.getConnection(this.url, "postgres", "postgres");
					Statement statement = connection.createStatement()) {
				connection.setAutoCommit(false);
				while (this.running) {
					tx++;
					statement.execute("SELECT set_config('w.tx', '" + tx + "', true)");
					for (String sql : nextTransaction()) {
						statement.execute(sql);
					}
					connection.commit();
					this.committed.incrementAndGet();
					LockSupport.parkNanos(this.pauseNanos);
				}
			}
			catch (SQLException ex) {
				// a fault of the campaign (server shut down): the ledger says whether the last commit happened
				this.failed.incrementAndGet();
				LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
			}
		}
	}

	private String[] nextTransaction() {
		int dice = this.random.nextInt(1000);
		if (dice < 350) {
			return new String[] { "INSERT INTO items VALUES (nextval('ids'), current_setting('w.tx')::bigint, md5(random()::text))" };
		}
		if (dice < 550) {
			return new String[] { "UPDATE items SET tx = current_setting('w.tx')::bigint, payload = md5(random()::text) WHERE id IN "
					+ SOME_ITEM.formatted(1) };
		}
		if (dice < 650) {
			return new String[] { "DELETE FROM items WHERE id IN " + SOME_ITEM.formatted(1) };
		}
		if (dice < 700) {
			return new String[] { "INSERT INTO docs VALUES (nextval('ids'), current_setting('w.tx')::bigint, " + TOASTED + ")" };
		}
		if (dice < 760) {
			// the TOASTed body is unchanged: PostgreSQL does not send it
			return new String[] { "UPDATE docs SET tx = current_setting('w.tx')::bigint WHERE id IN (SELECT id FROM docs ORDER BY random() LIMIT 1)" };
		}
		if (dice < 780) {
			return new String[] { "DELETE FROM docs WHERE id IN (SELECT id FROM docs ORDER BY random() LIMIT 1)" };
		}
		if (dice < 830) {
			return (this.random.nextBoolean())
					? new String[] { "INSERT INTO bursts SELECT nextval('ids'), current_setting('w.tx')::bigint FROM generate_series(1, 3)" }
					: new String[] { "INSERT INTO bursts SELECT nextval('ids'), current_setting('w.tx')::bigint FROM generate_series(1, 3)",
							"TRUNCATE bursts" };
		}
		if (dice < 990) {
			return new String[] {
					"INSERT INTO items SELECT nextval('ids'), current_setting('w.tx')::bigint, md5(random()::text) FROM generate_series(1, 5)",
					"UPDATE items SET tx = current_setting('w.tx')::bigint WHERE id IN " + SOME_ITEM.formatted(5),
					"DELETE FROM items WHERE id IN " + SOME_ITEM.formatted(2) + " AND tx <> current_setting('w.tx')::bigint" };
		}
		if (dice < 994) {
			return new String[] { "INSERT INTO items SELECT nextval('ids'), current_setting('w.tx')::bigint, md5(random()::text) FROM generate_series(1, 10000)" };
		}
		if (dice < 998) {
			return new String[] { "UPDATE items SET tx = current_setting('w.tx')::bigint WHERE id IN " + SOME_ITEM.formatted(10_000) };
		}
		return new String[] { "DELETE FROM items WHERE id IN " + SOME_ITEM.formatted(10_000) };
	}

}
