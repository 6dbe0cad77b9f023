package dev.pgcdc.replication;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The initial snapshot hands over to streaming without a gap or a double: the state rebuilt from the
 * events equals the table, even with writers busy during the snapshot, after an interruption, and after
 * the process was killed half-way.
 */
class SnapshotTests {

	@TempDir
	Path dir;

	@Test
	void snapshotWithConcurrentWritersRebuildsTheTable() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("snapshot");
		database.execute("CREATE TABLE items (id bigint PRIMARY KEY, value int NOT NULL, payload text)",
				"INSERT INTO items SELECT g, 0, md5(g::text) FROM generate_series(1, 100000) g");
		StateBuilder state = new StateBuilder();
		ReplicationEngine engine = EngineTestSupport.engine(settings(database, "snap_writers", SnapshotMode.INITIAL),
				state);
		AtomicBoolean writing = new AtomicBoolean(true);
		AtomicLong deleted = new AtomicLong();
		Thread writer = new Thread(() -> write(database, writing, deleted));
		writer.start();
		try {
			engine.start();
			await().atMost(Duration.ofSeconds(60)).until(() -> engine.state() == EngineState.STREAMING);
			assertThat(engine.snapshotProgress().finishedAt()).isNotNull();
			// rows deleted before the snapshot's consistent point are neither read nor streamed: count the writer's
			assertThat(engine.snapshotProgress().rowsDone()).isGreaterThanOrEqualTo(100_000 - deleted.get());
			await().atMost(Duration.ofSeconds(3)).pollDelay(Duration.ofSeconds(2)).until(() -> true);
			writing.set(false);
			writer.join();
			Map<Long, Integer> table = table(database);
			await().atMost(Duration.ofSeconds(60)).until(() -> state.rows.equals(table));
			assertThat(state.snapshotRows.get()).isGreaterThan(90_000);
			assertThat(state.streamedChanges.get()).as("writers ran during and after the snapshot").isGreaterThan(100);
		}
		finally {
			writing.set(false);
			engine.stop();
		}
	}

	@Test
	void interruptedSnapshotIsRedoneOnTheNextStart() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("snapshot_redo");
		database.execute("CREATE TABLE items (id bigint PRIMARY KEY, value int NOT NULL, payload text)",
				"INSERT INTO items SELECT g, 0, md5(g::text) FROM generate_series(1, 50000) g");
		ReplicationSettings settings = settings(database, "snap_redo", SnapshotMode.INITIAL).withQueue(256, 1 << 20);
		StateBuilder slow = new StateBuilder();
		slow.delayNanos = 200_000;
		ReplicationEngine first = EngineTestSupport.engine(settings, slow);
		first.start();
		await().atMost(Duration.ofSeconds(30)).until(() -> slow.snapshotRows.get() > 2_000);
		first.stop();
		assertThat(slow.snapshotRows.get()).as("stopped half-way").isLessThan(50_000);

		database.execute("UPDATE items SET value = 1 WHERE id <= 10", "DELETE FROM items WHERE id > 49990");
		StateBuilder second = new StateBuilder();
		ReplicationEngine again = EngineTestSupport.engine(settings, second);
		again.start();
		try {
			Map<Long, Integer> table = table(database);
			await().atMost(Duration.ofSeconds(60)).until(() -> second.rows.equals(table));
			assertThat(second.snapshotRows.get()).isEqualTo(49_990);
		}
		finally {
			again.stop();
		}
	}

	@Test
	void processKilledDuringTheSnapshotGetsACompleteSnapshotNextTime() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("snapshot_kill");
		database.execute("CREATE TABLE items (id bigint PRIMARY KEY, payload text)",
				"INSERT INTO items SELECT g, md5(g::text) FROM generate_series(1, 300000) g");
		Path firstLedger = this.dir.resolve("ledger-1");
		Path secondLedger = this.dir.resolve("ledger-2");
		Path log = this.dir.resolve("consumer.log");
		Process first = ConsumerJvm.start(log, "256m", database.jdbcUrl(), "snap_kill", "items", firstLedger.toString(),
				"ids", "INITIAL");
		await().atMost(Duration.ofSeconds(60)).until(() -> lines(firstLedger) > 20_000);
		first.destroyForcibly().waitFor();
		assertThat(lines(firstLedger)).as("killed during the snapshot").isLessThan(300_000);
		Process second = ConsumerJvm.start(log, "256m", database.jdbcUrl(), "snap_kill", "items",
				secondLedger.toString(), "ids", "INITIAL");
		try {
			await().atMost(Duration.ofSeconds(120)).until(() -> ids(secondLedger).size() == 300_000);
		}
		finally {
			second.destroyForcibly().waitFor();
		}
	}

	@Test
	void initialOnlyReadsTheSnapshotAndStops() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("snapshot_only");
		database.execute("CREATE TABLE items (id bigint PRIMARY KEY, value int NOT NULL, payload text)",
				"INSERT INTO items SELECT g, g, 'x' FROM generate_series(1, 5000) g");
		StateBuilder state = new StateBuilder();
		ReplicationEngine engine = EngineTestSupport.engine(settings(database, "snap_only", SnapshotMode.INITIAL_ONLY),
				state);
		engine.start();
		try {
			await().atMost(Duration.ofSeconds(30)).until(() -> engine.state() == EngineState.STOPPED);
			assertThat(state.rows).isEqualTo(table(database));
			await().atMost(Duration.ofSeconds(10)).until(() -> slotCount(database, "snap_only") == 0);
		}
		finally {
			engine.stop();
		}
	}

	@Test
	void snapshotRowsEqualStreamedRowsOfTheSameData() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("snapshot_equal");
		String columns = "(id int PRIMARY KEY, n numeric, t timestamptz, b bytea, a text[], j jsonb, u uuid, f float8, "
				+ "d date, i interval, flag bool)";
		String values = "(1, 12345.678, '2024-01-02 03:04:05.123456+02', '\\x00ff10', '{a,NULL,\"b,c\"}', "
				+ "'{\"k\": [1, 2]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'NaN', '-infinity', '1 day 02:00', true), "
				+ "(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)";
		database.execute("CREATE TABLE before_slot " + columns, "CREATE TABLE after_slot " + columns,
				"INSERT INTO before_slot VALUES " + values);
		CollectingConsumer consumer = new CollectingConsumer(false);
		ReplicationEngine engine = EngineTestSupport.engine(settings(database, "snap_equal", SnapshotMode.INITIAL)
			.withTables(List.of("before_slot", "after_slot")), consumer);
		engine.start();
		try {
			await().atMost(Duration.ofSeconds(30)).until(() -> engine.state() == EngineState.STREAMING);
			database.execute("INSERT INTO after_slot VALUES " + values);
			await().atMost(Duration.ofSeconds(30)).until(() -> consumer.changes.size() == 4);
			List<ChangeEvent> snapshot = consumer.changes.subList(0, 2);
			List<ChangeEvent> streamed = consumer.changes.subList(2, 4);
			assertThat(snapshot).extracting(ChangeEvent::operation).containsOnly(Operation.SNAPSHOT);
			assertThat(streamed).extracting(ChangeEvent::operation).containsOnly(Operation.INSERT);
			for (int i = 0; i < 2; i++) {
				Map<String, Object> fromSnapshot = snapshot.get(i).after().toMap();
				Map<String, Object> fromStream = streamed.get(i).after().toMap();
				for (String column : fromStream.keySet()) {
					assertThat(fromSnapshot.get(column)).as("row %d column %s", i + 1, column)
						.isEqualTo(fromStream.get(column));
				}
			}
			assertThat(snapshot.get(0).after().keyColumns()).containsExactly("id");
		}
		finally {
			engine.stop();
		}
	}

	private static ReplicationSettings settings(TestDatabase database, String slot, SnapshotMode mode) {
		return EngineTestSupport.settings(database, slot)
			.toBuilder()
			.tables(List.of("items"))
			.snapshot(mode, 1_000)
			.build();
	}

	private static int slotCount(TestDatabase database, String slot) throws Exception {
		try (Connection connection = database.connect();
				PreparedStatement statement = connection
					.prepareStatement("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, slot);
			try (ResultSet rs = statement.executeQuery()) {
				rs.next();
				return rs.getInt(1);
			}
		}
	}

	/** Random small transactions: inserts of new ids, increments and deletes of existing ones. */
	private static void write(TestDatabase database, AtomicBoolean writing, AtomicLong deleted) {
		try (Connection connection = database.connect()) {
			long next = 1_000_000;
			ThreadLocalRandom random = ThreadLocalRandom.current();
			try (Statement statement = connection.createStatement()) {
				while (writing.get()) {
					long id = 1 + random.nextInt(100_000);
					switch (random.nextInt(3)) {
						case 0 -> statement.execute("INSERT INTO items VALUES (" + next++ + ", 0, 'new')");
						case 1 -> statement.execute("UPDATE items SET value = value + 1 WHERE id = " + id);
						default -> deleted.addAndGet(statement.executeUpdate("DELETE FROM items WHERE id = " + id));
					}
				}
			}
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** The rows of the test table {@code items}, id to value. */
	static Map<Long, Integer> table(TestDatabase database) throws Exception {
		Map<Long, Integer> rows = new HashMap<>();
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT id, value FROM items")) {
			while (rs.next()) {
				rows.put(rs.getLong(1), rs.getInt(2));
			}
		}
		return rows;
	}

	private static long lines(Path ledger) throws Exception {
		return ids(ledger).size();
	}

	private static Set<Long> ids(Path ledger) throws Exception {
		return new HashSet<>(ConsumerJvm.ledger(ledger));
	}

	/** Applies SNAPSHOT, INSERT, UPDATE and DELETE events to a map, as a read model would. */
	static final class StateBuilder implements ChangeConsumer {

		final Map<Long, Integer> rows = new ConcurrentHashMap<>();

		final AtomicLong snapshotRows = new AtomicLong();

		final AtomicLong streamedChanges = new AtomicLong();

		volatile long delayNanos;

		@Override
		public void onChange(ChangeEvent event) {
			if (this.delayNanos > 0) {
				long until = System.nanoTime() + this.delayNanos;
				while (System.nanoTime() < until) {
					Thread.onSpinWait();
				}
			}
			Long id = (Long) event.row().get("id");
			switch (event.operation()) {
				case SNAPSHOT -> {
					this.snapshotRows.incrementAndGet();
					this.rows.put(id, (Integer) event.after().get("value"));
				}
				case INSERT, UPDATE -> {
					this.streamedChanges.incrementAndGet();
					this.rows.put(id, (Integer) event.after().get("value"));
				}
				case DELETE -> {
					this.streamedChanges.incrementAndGet();
					this.rows.remove(id);
				}
				default -> this.rows.clear();
			}
		}

	}

}
