package dev.pgcdc.replication;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

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
