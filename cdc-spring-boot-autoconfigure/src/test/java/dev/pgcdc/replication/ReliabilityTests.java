package dev.pgcdc.replication;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The at-least-once and bounded-memory guarantees under a killed consumer, a restarted server, an idle
 * stream and a transaction larger than the heap.
 */
class ReliabilityTests {

	@TempDir
	Path dir;

	@Test
	void consumerKilledWithSigkillLosesNothing() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("sigkill");
		database.execute("CREATE TABLE items (id bigint PRIMARY KEY, payload text)");
		String[] args = { database.jdbcUrl(), "sigkill", "items" };
		Path firstLedger = this.dir.resolve("ledger-1");
		Path secondLedger = this.dir.resolve("ledger-2");
		Path log = this.dir.resolve("consumer.log");
		Process first = ConsumerJvm.start(log, "256m", args[0], args[1], args[2], firstLedger.toString(), "ids");
		ConsumerJvm.awaitOutput(log, "STREAMING");
		Thread writer = new Thread(() -> insertInTransactions(database, "items", 200, 1_000));
		writer.start();
		await().atMost(Duration.ofSeconds(120)).until(() -> lines(firstLedger) >= 60_000);
		first.destroyForcibly().waitFor();
		writer.join();
		Process second = ConsumerJvm.start(log, "256m", args[0], args[1], args[2], secondLedger.toString(), "ids");
		try {
			await().atMost(Duration.ofSeconds(180)).until(() -> delivered(firstLedger, secondLedger).size() == 200_000);
		}
		finally {
			second.destroyForcibly().waitFor();
		}
		long total = lines(firstLedger) + lines(secondLedger);
		System.out.printf("SIGKILL: 200000 committed, %d deliveries, %d duplicates, 0 lost%n", total, total - 200_000);
		assertThat(delivered(firstLedger, secondLedger)).hasSize(200_000);
	}

	@Test
	void serverRestartMidStreamLosesNothing() throws Exception {
		Path data = this.dir.resolve("pgdata");
		EmbeddedPostgres server = EmbeddedPostgresSupport.builder().setDataDirectory(data).setCleanDataDirectory(false).start();
		int port = server.getPort();
		TestDatabase database = EmbeddedPostgresSupport.createDatabase(server, "restart");
		database.execute("CREATE TABLE items (id bigint PRIMARY KEY, payload text)");
		CollectingConsumer consumer = new CollectingConsumer(false);
		ReplicationSettings settings = EngineTestSupport.settings(database, "restart").withTables(List.of("items"));
		settings = settings.toBuilder().reconnect(Duration.ofMillis(200), Duration.ofSeconds(2)).build();
		ReplicationEngine engine = EngineTestSupport.engine(settings, consumer);
		engine.start();
		try {
			insertInTransactions(database, "items", 20, 1_000);
			await().atMost(Duration.ofSeconds(60)).until(() -> consumer.changes.size() >= 5_000);
			server.close();
			await().atMost(Duration.ofSeconds(30)).until(() -> engine.state() == EngineState.RECONNECTING);
			server = EmbeddedPostgresSupport.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port)
				.start();
			insertInTransactions(database, "items", 10, 1_000, 20_000);
			await().atMost(Duration.ofSeconds(90)).until(() -> ids(consumer).size() == 30_000);
			assertThat(engine.state()).isEqualTo(EngineState.STREAMING);
			System.out.printf("PG restart: 30000 committed, %d deliveries, 0 lost%n", consumer.changes.size());
		}
		finally {
			engine.stop();
			server.close();
		}
	}

	@Test
	void idleStreamStaysHealthyPastTheStatusInterval() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("idle");
		database.execute("CREATE TABLE items (id bigint PRIMARY KEY, payload text)");
		CollectingConsumer consumer = new CollectingConsumer(false);
		// heartbeats off: nothing but pgjdbc's own status handling happens while idle
		ReplicationEngine engine = EngineTestSupport.engine(EngineTestSupport.settings(database, "idle_stream")
			.withTables(List.of("items"))
			.withIntervals(Duration.ofSeconds(1), Duration.ZERO), consumer);
		engine.start();
		try {
			await().atMost(Duration.ofSeconds(20)).until(() -> engine.state() == EngineState.STREAMING);
			long connections = engine.statistics().connections();
			await().pollDelay(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(5))
				.until(() -> engine.state() == EngineState.STREAMING);
			database.execute("INSERT INTO items VALUES (1, 'after idle')");
			await().atMost(Duration.ofSeconds(20)).until(() -> consumer.changes.size() == 1);
			assertThat(engine.state()).isEqualTo(EngineState.STREAMING);
			assertThat(engine.lastError()).isNull();
			assertThat(engine.statistics().connections()).as("no reconnection was needed").isEqualTo(connections);
		}
		finally {
			engine.stop();
		}
	}

	@Test
	void millionRowTransactionFitsInASmallHeap() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("million");
		database.execute("CREATE TABLE items (id bigint PRIMARY KEY, payload text)");
		Path count = this.dir.resolve("count");
		Path log = this.dir.resolve("million.log");
		Process consumer = ConsumerJvm.start(log, "256m", database.jdbcUrl(), "million", "items", count.toString(), "count");
		try {
			ConsumerJvm.awaitOutput(log, "STREAMING");
			database.execute("INSERT INTO items SELECT g, md5(g::text) FROM generate_series(1, 1000000) g");
			await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
				.until(() -> !consumer.isAlive() || (Files.exists(count) && Files.readString(count).equals("1000000")));
			assertThat(consumer.isAlive()).as("consumer JVM alive (no OutOfMemoryError); log: %s", Files.readString(log))
				.isTrue();
			assertThat(Files.readString(count)).isEqualTo("1000000");
		}
		finally {
			consumer.destroyForcibly().waitFor();
		}
	}

	static void insertInTransactions(TestDatabase database, String table, int transactions, int rowsEach) {
		insertInTransactions(database, table, transactions, rowsEach, 0);
	}

	static void insertInTransactions(TestDatabase database, String table, int transactions, int rowsEach, long firstId) {
		try (Connection connection = database.connect()) {
			connection.setAutoCommit(false);
			try (PreparedStatement statement = connection
				.prepareStatement("INSERT INTO " + table + " SELECT g, 'row ' || g FROM generate_series(?::bigint, ?::bigint) g")) {
				for (int t = 0; t < transactions; t++) {
					long from = firstId + (long) t * rowsEach + 1;
					statement.setLong(1, from);
					statement.setLong(2, from + rowsEach - 1);
					statement.executeUpdate();
					connection.commit();
				}
			}
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static Set<Long> ids(CollectingConsumer consumer) {
		Set<Long> ids = new HashSet<>();
		consumer.changes.forEach((event) -> ids.add((Long) event.row().get("id")));
		return ids;
	}

	private static long lines(Path ledger) throws Exception {
		return ConsumerJvm.ledger(ledger).size();
	}

	private static Set<Long> delivered(Path... ledgers) throws Exception {
		Set<Long> ids = new HashSet<>();
		for (Path ledger : ledgers) {
			ids.addAll(ConsumerJvm.ledger(ledger));
		}
		return ids;
	}

}
