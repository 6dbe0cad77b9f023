package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A replication connection lost in the middle of a large transaction, after part of it reached the
 * consumers: the server sends the transaction again from its start, and the consumers must not see its
 * first part twice (no duplicates without a crash), nor miss any of it.
 */
class InterruptedTransactionTests extends EngineTestBase {

	private static final int ROWS = 50_000;

	@Test
	void connectionLostMidTransactionDeliversEachChangeOnce() throws Exception {
		TestDatabase database = database("interrupted", "CREATE TABLE items (id bigint PRIMARY KEY)",
				"CREATE TABLE after (id bigint PRIMARY KEY)");
		CountDownLatch release = new CountDownLatch(1);
		CollectingConsumer eager = new CollectingConsumer(false) {
			@Override
			public void onChange(ChangeEvent event) {
				super.onChange(event);
				if (this.changes.size() == 1_000) {
					// hold the dispatcher: the reader stops in the middle of the transaction, its queue full
					hold(release);
				}
			}
		};
		CollectingConsumer transactions = new CollectingConsumer(true);
		ReplicationSettings settings = EngineTestSupport.settings(database, "interrupted")
			.withTables(List.of("items", "after"))
			.withQueue(16, 1024 * 1024);
		this.engine = EngineTestSupport.engine(settings.toBuilder().reconnect(Duration.ofMillis(100), Duration.ofSeconds(1))
			.build(), eager, transactions);
		this.engine.start();
		database.execute("INSERT INTO items SELECT g FROM generate_series(1, " + ROWS + ") g");
		await().atMost(Duration.ofSeconds(30)).until(() -> eager.changes.size() >= 1_000);
		long connections = this.engine.statistics().connections();
		// the server's sender is blocked mid-transaction (the reader waits for the held dispatcher): end it, then
		// let the reader find the partial transaction and the closed connection
		database.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'interrupted'");
		release.countDown();
		await().atMost(Duration.ofSeconds(30)).until(() -> this.engine.statistics().connections() > connections);
		database.execute("INSERT INTO after VALUES (1)");
		await().atMost(Duration.ofSeconds(60)).until(() -> transactions.transactions.size() == 2);
		await().atMost(Duration.ofSeconds(10)).until(() -> eager.changes.size() >= ROWS + 1);
		assertThat(this.engine.statistics().connections()).as("the connection was cut and opened again")
			.isGreaterThan(connections);
		assertThat(ids(eager.changes)).as("each change once, none missing").hasSize(ROWS + 1);
		assertThat(eager.changes).as("no duplicates without a crash").hasSize(ROWS + 1);
		assertThat(transactions.transactions.get(0).changes()).hasSize(ROWS);
		assertThat(ids(transactions.transactions.get(0).changes())).hasSize(ROWS);
		assertThat(ids(transactions.changes)).hasSize(ROWS + 1);
	}

	/**
	 * A backlog of one-row transactions, the connection cut six times while the engine catches up: the reader
	 * hands many small transactions over at once when they have arrived already, and a commit only becomes
	 * the resume position once its batch is queued, so nothing is skipped or doubled.
	 */
	@Test
	void connectionLostAmongSmallTransactionsDeliversEachOnceInCommitOrder() throws Exception {
		TestDatabase database = database("interrupted_small", "CREATE TABLE small (id bigint PRIMARY KEY)");
		CollectingConsumer eager = new CollectingConsumer(false);
		ReplicationSettings settings = EngineTestSupport.settings(database, "interrupted_small")
			.withTables(List.of("small"))
			.toBuilder()
			.reconnect(Duration.ofMillis(100), Duration.ofSeconds(1))
			.build();
		// create the slot, then let the transactions pile up while nothing reads it
		this.engine = EngineTestSupport.engine(settings, eager);
		this.engine.start();
		await().atMost(Duration.ofSeconds(30)).until(() -> this.engine.state() == EngineState.STREAMING);
		this.engine.stop();
		int transactions = 20_000;
		try (Connection connection = database.connect();
				PreparedStatement insert = connection.prepareStatement("INSERT INTO small VALUES (?)")) {
			for (int id = 1; id <= transactions; id++) {
				insert.setLong(1, id);
				insert.executeUpdate();
			}
		}
		this.engine = EngineTestSupport.engine(settings, eager);
		this.engine.start();
		for (int cut = 1; cut <= 6; cut++) {
			long connections = this.engine.statistics().connections();
			int seen = cut * transactions / 8;
			await().atMost(Duration.ofSeconds(60)).until(() -> eager.changes.size() >= seen);
			database.execute(
					"SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'interrupted_small'");
			await().atMost(Duration.ofSeconds(30)).until(() -> this.engine.statistics().connections() > connections);
		}
		// one more, committed after everything else: once it arrived, everything before it has
		database.execute("INSERT INTO small VALUES (" + (transactions + 1) + ")");
		await().atMost(Duration.ofSeconds(60))
			.until(() -> eager.changes.stream().anyMatch((event) -> ((Number) event.row().get("id")).longValue() > transactions));
		List<Long> ids = eager.changes.stream().map((event) -> ((Number) event.row().get("id")).longValue()).toList();
		assertThat(ids).as("each transaction once, in commit order, none missing")
			.isEqualTo(LongStream.rangeClosed(1, transactions + 1).boxed().toList());
	}

	private static Set<String> ids(List<ChangeEvent> changes) {
		Set<String> ids = new HashSet<>();
		changes.forEach((event) -> ids.add(event.table().name() + ":" + event.row().get("id")));
		return ids;
	}

	private static void hold(CountDownLatch latch) {
		try {
			latch.await(60, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
