package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableId;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * An on-demand re-snapshot while streaming continues: a read model that never saw the table, built from
 * the SNAPSHOT and streamed events, ends equal to the table, with writers busy all along, and after the
 * re-snapshot was stopped half-way and continued by the next engine.
 */
class ResnapshotTests {

	private static final int ROWS = 100_000;

	@Test
	void resnapshotDuringContinuousWritesRebuildsTheTable() throws Exception {
		TestDatabase database = itemsDatabase("resnap_writes");
		SnapshotTests.StateBuilder model = new SnapshotTests.StateBuilder();
		ReplicationEngine engine = EngineTestSupport.engine(settings(database, "resnap_writes"), model);
		AtomicBoolean writing = new AtomicBoolean(true);
		Writer writer = new Writer(database, writing);
		engine.start();
		try {
			await().atMost(Duration.ofSeconds(30)).until(() -> engine.state() == EngineState.STREAMING);
			writer.start();
			long started = System.nanoTime();
			Resnapshot run = engine.resnapshot(List.of("items"));
			assertThatIllegalStateException().isThrownBy(() -> engine.resnapshot(List.of("items")))
				.withMessageContaining("one at a time");
			await().atMost(Duration.ofSeconds(120)).until(run::isFinished);
			long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
			assertThat(run.status()).as(run.failure()).isEqualTo(Resnapshot.Status.DONE);
			writing.set(false);
			writer.join();
			Map<Long, Integer> table = SnapshotTests.table(database);
			await().atMost(Duration.ofSeconds(60)).until(() -> model.rows.equals(table));
			assertThat(model.snapshotRows.get()).as("rows delivered by the re-snapshot").isGreaterThan(ROWS / 2);
			assertThat(writer.transactions.get()).as("writers ran during the re-snapshot").isGreaterThan(100);
			assertThat(engine.resnapshotProgress().tables()).singleElement()
				.satisfies((progress) -> assertThat(progress.done()).isTrue());
			System.out.println("Re-snapshot of " + ROWS + " rows with " + writer.transactions.get()
					+ " concurrent write transactions took " + millis + " ms; " + model.snapshotRows.get()
					+ " snapshot rows delivered");
		}
		finally {
			writing.set(false);
			writer.join();
			engine.stop();
		}
	}

	@Test
	void resnapshotKilledHalfwayResumesAfterRestart() throws Exception {
		TestDatabase database = itemsDatabase("resnap_resume");
		ReplicationSettings settings = settings(database, "resnap_resume");
		SnapshotTests.StateBuilder model = new SnapshotTests.StateBuilder();
		model.delayNanos = 20_000;
		AtomicBoolean writing = new AtomicBoolean(true);
		Writer writer = new Writer(database, writing);
		ReplicationEngine first = EngineTestSupport.engine(settings, model);
		ReplicationEngine second = EngineTestSupport.engine(settings, model);
		try {
			first.start();
			await().atMost(Duration.ofSeconds(30)).until(() -> first.state() == EngineState.STREAMING);
			writer.start();
			Resnapshot firstRun = first.resnapshot(List.of("public.items"));
			await().atMost(Duration.ofSeconds(120))
				.pollInterval(Duration.ofMillis(5))
				.until(() -> firstRun.progress().rowsDone() > ROWS / 5);
			first.stop();
			long firstRows = firstRun.progress().rowsDone();
			assertThat(firstRun.status()).isEqualTo(Resnapshot.Status.STOPPED);
			assertThat(firstRows).as("stopped half-way").isBetween((long) ROWS / 5, (long) ROWS * 4 / 5);

			second.start();
			await().atMost(Duration.ofSeconds(30)).until(() -> second.lastResnapshot() != null);
			Resnapshot secondRun = second.lastResnapshot();
			assertThat(secondRun.tables()).containsExactly(new TableId("public", "items"));
			await().atMost(Duration.ofSeconds(120)).until(secondRun::isFinished);
			assertThat(secondRun.status()).as(secondRun.failure()).isEqualTo(Resnapshot.Status.DONE);
			assertThat(secondRun.progress().rowsDone()).as("continued after the last delivered chunk")
				.isGreaterThan(0)
				.isLessThan(ROWS - firstRows / 2);
			writing.set(false);
			writer.join();
			Map<Long, Integer> table = SnapshotTests.table(database);
			await().atMost(Duration.ofSeconds(60)).until(() -> model.rows.equals(table));
			System.out.println("Re-snapshot stopped after " + firstRows + " rows, continued with "
					+ secondRun.progress().rowsDone() + " rows");
		}
		finally {
			writing.set(false);
			writer.join();
			first.stop();
			second.stop();
		}
	}

	@Test
	void compositeKeysAreChunkedByRowComparisonAndKeylessTablesAreRefused() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("resnap_keys");
		database.execute("CREATE TABLE pairs (a int, b text, value int NOT NULL, PRIMARY KEY (a, b))",
				"INSERT INTO pairs SELECT a, 'k' || b, 0 FROM generate_series(1, 30) a, generate_series(1, 150) b",
				"CREATE TABLE keyless (v int)", "CREATE TABLE unpublished (id int PRIMARY KEY)");
		Map<String, Integer> rows = new ConcurrentHashMap<>();
		ChangeConsumer consumer = new ChangeConsumer() {
			@Override
			public void onChange(ChangeEvent event) {
				String key = event.row().get("a") + "/" + event.row().get("b");
				if (event.operation() == Operation.DELETE) {
					rows.remove(key);
				}
				else {
					rows.put(key, (Integer) event.after().get("value"));
				}
			}
		};
		ReplicationEngine engine = EngineTestSupport.engine(
				EngineTestSupport.settings(database, "resnap_keys").withTables(List.of("pairs", "keyless")), consumer);
		engine.start();
		try {
			await().atMost(Duration.ofSeconds(30)).until(() -> engine.state() == EngineState.STREAMING);
			assertThatIllegalArgumentException().isThrownBy(() -> engine.resnapshot(List.of("keyless")))
				.withMessageContaining("public.keyless")
				.withMessageContaining("no primary key");
			assertThatIllegalArgumentException().isThrownBy(() -> engine.resnapshot(List.of("unpublished")))
				.withMessageContaining("not in publication");
			Resnapshot run = engine.resnapshot(List.of("pairs"));
			database.execute("UPDATE pairs SET value = value + 1 WHERE b = 'k7'",
					"DELETE FROM pairs WHERE a = 30 AND b > 'k5'", "INSERT INTO pairs VALUES (0, 'z', 5)");
			await().atMost(Duration.ofSeconds(60)).until(run::isFinished);
			assertThat(run.status()).isEqualTo(Resnapshot.Status.DONE);
			assertThat(run.progress().rowsDone()).isGreaterThan(4_000);
			Map<String, Integer> table = new HashMap<>();
			try (Connection connection = database.connect(); Statement statement = connection.createStatement();
					ResultSet rs = statement.executeQuery("SELECT a, b, value FROM pairs")) {
				while (rs.next()) {
					table.put(rs.getInt(1) + "/" + rs.getString(2), rs.getInt(3));
				}
			}
			await().atMost(Duration.ofSeconds(30)).until(() -> rows.equals(table));
		}
		finally {
			engine.stop();
		}
	}

	@Test
	void watermarksNeverReachConsumersAndForeignOnesAreIgnored() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("resnap_marks");
		database.execute("CREATE TABLE small (id int PRIMARY KEY, name text)",
				"INSERT INTO small SELECT g, 'n' || g FROM generate_series(1, 10) g");
		CollectingConsumer consumer = new CollectingConsumer(true);
		ReplicationEngine engine = EngineTestSupport
			.engine(EngineTestSupport.settings(database, "resnap_marks").withTables(List.of("small")), consumer);
		assertThatIllegalStateException().isThrownBy(() -> engine.resnapshot(List.of("small")))
			.withMessageContaining("not streaming");
		engine.start();
		try {
			await().atMost(Duration.ofSeconds(30)).until(() -> engine.state() == EngineState.STREAMING);
			// watermarks of another run: ids this engine never issued, even one looking like its own
			database.execute("SELECT pg_logical_emit_message(true, 'pgcdc-watermark', 'cafebabe-1:low')",
					"SELECT pg_logical_emit_message(true, 'pgcdc-watermark', 'cafebabe-1:high')",
					"SELECT pg_logical_emit_message(false, 'pgcdc-watermark', 'garbage')",
					"SELECT pg_logical_emit_message(true, 'test', 'after foreign watermarks')");
			await().atMost(Duration.ofSeconds(30)).until(() -> consumer.messages.size() == 1);
			assertThat(consumer.changes).isEmpty();

			Resnapshot run = engine.resnapshot(List.of("small"));
			assertThat(run.completion().get()).isEqualTo(Resnapshot.Status.DONE);
			database.execute("SELECT pg_logical_emit_message(true, 'test', 'after the re-snapshot')");
			await().atMost(Duration.ofSeconds(30)).until(() -> consumer.messages.size() == 2);
			assertThat(consumer.messages).extracting(LogicalMessage::prefix).containsOnly("test");
			assertThat(consumer.changes).hasSize(10)
				.allSatisfy((event) -> assertThat(event.operation()).isEqualTo(Operation.SNAPSHOT));
			assertThat(consumer.changes.get(0).after().toMap()).containsEntry("id", 1).containsEntry("name", "n1");
			assertThat(consumer.transactions).as("the rows travel in the high watermark's transaction")
				.anySatisfy((transaction) -> assertThat(transaction.changes()).hasSize(10));
			AtomicReference<Resnapshot> again = new AtomicReference<>();
			again.set(engine.resnapshot(List.of("small")));
			assertThat(again.get().completion().get()).isEqualTo(Resnapshot.Status.DONE);
			await().atMost(Duration.ofSeconds(30)).until(() -> consumer.changes.size() == 20);
		}
		finally {
			engine.stop();
		}
	}

	private static TestDatabase itemsDatabase(String prefix) {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase(prefix);
		database.execute("CREATE TABLE items (id bigint PRIMARY KEY, value int NOT NULL)",
				"INSERT INTO items SELECT g, 0 FROM generate_series(1, " + ROWS + ") g", "ANALYZE items");
		return database;
	}

	private static ReplicationSettings settings(TestDatabase database, String slot) {
		return EngineTestSupport.settings(database, slot).withTables(List.of("items"));
	}



	/** Random small transactions: inserts (of ids deleted before), increments and deletes, on ids 1 to ROWS. */
	static final class Writer {

		final AtomicLong transactions = new AtomicLong();

		private final Thread thread;

		Writer(TestDatabase database, AtomicBoolean writing) {
			this.thread = new Thread(() -> write(database, writing), "writer");
		}

		void start() {
			this.thread.start();
		}

		void join() throws InterruptedException {
			if (this.thread.getState() != Thread.State.NEW) {
				this.thread.join();
			}
		}

		private void write(TestDatabase database, AtomicBoolean writing) {
			try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
				ThreadLocalRandom random = ThreadLocalRandom.current();
				while (writing.get()) {
					long id = 1 + random.nextInt(ROWS);
					switch (random.nextInt(3)) {
						case 0 -> statement.execute("INSERT INTO items VALUES (" + id + ", 0) ON CONFLICT DO NOTHING");
						case 1 -> statement.execute("UPDATE items SET value = value + 1 WHERE id = " + id);
						default -> statement.execute("DELETE FROM items WHERE id = " + id);
					}
					this.transactions.incrementAndGet();
				}
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		}

	}

}
