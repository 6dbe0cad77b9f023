package dev.pgcdc.replication;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableId;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The engine against a real PostgreSQL: what arrives, in which order, and when it is acknowledged.
 */
class ReplicationEngineTests extends EngineTestBase {

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = database("engine",
				"CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL, amount numeric(12,2), note text)",
				"CREATE TABLE audit (id bigint PRIMARY KEY, payload text) ",
				"ALTER TABLE audit REPLICA IDENTITY FULL");
	}

	@Test
	void deliversInsertUpdateDeleteAndTruncateWithTheirImages() {
		CollectingConsumer consumer = new CollectingConsumer(true);
		this.engine = EngineTestSupport.start(database, "images", consumer, "orders", "audit");
		database.execute("INSERT INTO orders VALUES (1, 'NEW', 10.50, 'first')",
				"UPDATE orders SET status = 'PAID' WHERE id = 1",
				"UPDATE orders SET id = 2 WHERE id = 1",
				"DELETE FROM orders WHERE id = 2",
				"INSERT INTO audit VALUES (7, 'a')",
				"UPDATE audit SET payload = 'b' WHERE id = 7",
				"DELETE FROM audit WHERE id = 7",
				"TRUNCATE orders");
		await().atMost(Duration.ofSeconds(20)).until(() -> consumer.changes.size() == 8);
		List<ChangeEvent> events = consumer.changes;

		ChangeEvent insert = events.get(0);
		assertThat(insert.operation()).isEqualTo(Operation.INSERT);
		assertThat(insert.table()).isEqualTo(new TableId("public", "orders"));
		assertThat(insert.before()).isNull();
		assertThat(insert.after().toMap()).containsExactly(Map.entry("id", 1L), Map.entry("status", "NEW"),
				Map.entry("amount", new BigDecimal("10.50")), Map.entry("note", "first"));

		ChangeEvent update = events.get(1);
		assertThat(update.operation()).isEqualTo(Operation.UPDATE);
		assertThat(update.before()).as("no old image when the key did not change").isNull();
		assertThat(update.after().get("status")).isEqualTo("PAID");
		assertThat(update.changedColumns()).isEmpty();

		ChangeEvent keyChange = events.get(2);
		assertThat(keyChange.before().columns()).containsExactly("id");
		assertThat(keyChange.before().get("id")).isEqualTo(1L);
		assertThat(keyChange.after().get("id")).isEqualTo(2L);
		assertThat(keyChange.changedColumns()).containsExactly("id");

		ChangeEvent delete = events.get(3);
		assertThat(delete.operation()).isEqualTo(Operation.DELETE);
		assertThat(delete.after()).isNull();
		assertThat(delete.row().toMap()).containsExactly(Map.entry("id", 2L));

		ChangeEvent fullUpdate = events.get(5);
		assertThat(fullUpdate.before().toMap()).containsEntry("payload", "a").containsEntry("id", 7L);
		assertThat(fullUpdate.changedColumns()).containsExactly("payload");
		ChangeEvent fullDelete = events.get(6);
		assertThat(fullDelete.before().get("payload")).isEqualTo("b");

		ChangeEvent truncate = events.get(7);
		assertThat(truncate.operation()).isEqualTo(Operation.TRUNCATE);
		assertThat(truncate.table().name()).isEqualTo("orders");
		assertThat(truncate.row()).isNull();

		assertThat(consumer.transactions).hasSize(8);
		assertThat(events).extracting(ChangeEvent::commitLsn).isSorted();
	}

	@Test
	void keepsTransactionsTogetherAndInCommitOrder() throws Exception {
		CollectingConsumer consumer = new CollectingConsumer(true);
		this.engine = EngineTestSupport.start(database, "order", consumer, "orders");
		try (Connection first = database.connect(); Connection second = database.connect()) {
			first.setAutoCommit(false);
			second.setAutoCommit(false);
			insert(first, 100, "first-began");
			insert(second, 200, "second-began");
			insert(first, 101, "first-again");
			second.commit();
			first.commit();
		}
		await().atMost(Duration.ofSeconds(20)).until(() -> consumer.transactions.size() == 2);
		assertThat(consumer.transactions.get(0).changes()).extracting((event) -> event.after().get("id"))
			.containsExactly(200L);
		assertThat(consumer.transactions.get(1).changes()).extracting((event) -> event.after().get("id"))
			.containsExactly(100L, 101L);
		assertThat(consumer.changes).extracting((event) -> event.after().get("id")).containsExactly(200L, 100L, 101L);
		assertThat(consumer.changes.get(1).xid()).isEqualTo(consumer.changes.get(2).xid());
		assertThat(consumer.changes.get(0).xid()).isNotEqualTo(consumer.changes.get(1).xid());
		database.execute("DELETE FROM orders");
	}

	@Test
	void unchangedToastValuesAreMarkedAndFilledFromAFullOldImage() {
		CollectingConsumer consumer = new CollectingConsumer(false);
		database.execute("CREATE TABLE docs (id int PRIMARY KEY, body text, title text)",
				"ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL",
				"CREATE TABLE docs_full (id int PRIMARY KEY, body text, title text)",
				"ALTER TABLE docs_full ALTER COLUMN body SET STORAGE EXTERNAL",
				"ALTER TABLE docs_full REPLICA IDENTITY FULL");
		this.engine = EngineTestSupport.start(database, "toast", consumer, "docs", "docs_full");
		String body = "x".repeat(100_000);
		database.execute("INSERT INTO docs VALUES (1, '" + body + "', 't')", "UPDATE docs SET title = 'u' WHERE id = 1",
				"INSERT INTO docs_full VALUES (1, '" + body + "', 't')", "UPDATE docs_full SET title = 'u' WHERE id = 1");
		await().atMost(Duration.ofSeconds(20)).until(() -> consumer.changes.size() == 4);
		ChangeEvent update = consumer.changes.get(1);
		assertThat(update.after().isUnchanged("body")).isTrue();
		assertThat(update.after().get("body")).isNull();
		assertThat(update.after().get("title")).isEqualTo("u");
		assertThat(consumer.changes.get(0).after().get("body")).isEqualTo(body);
		ChangeEvent fullUpdate = consumer.changes.get(3);
		assertThat(fullUpdate.after().isUnchanged("body")).isFalse();
		assertThat(fullUpdate.after().get("body")).isEqualTo(body);
		assertThat(fullUpdate.changedColumns()).containsExactly("title");
	}

	@Test
	void deliversLogicalMessagesButNotItsOwnHeartbeats() {
		CollectingConsumer consumer = new CollectingConsumer(false);
		this.engine = EngineTestSupport.engine(EngineTestSupport.settings(database, "messages").withTables(List.of("orders"))
			.withIntervals(Duration.ofSeconds(1), Duration.ofMillis(200)), consumer);
		this.engine.start();
		database.execute("SELECT pg_logical_emit_message(true, 'app', 'hello')",
				"SELECT pg_logical_emit_message(false, 'app-nt', convert_to('größe', 'UTF8'))");
		await().atMost(Duration.ofSeconds(20)).until(() -> consumer.messages.size() >= 2);
		assertThat(consumer.messages).extracting((m) -> m.prefix()).containsExactly("app", "app-nt");
		assertThat(consumer.messages.get(0).transactional()).isTrue();
		assertThat(consumer.messages.get(1).contentAsString()).isEqualTo("größe");
		assertThat(consumer.messages.get(1).transactional()).isFalse();
	}

	@Test
	void acknowledgesATransactionOnlyAfterEveryConsumerHandledIt() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		CollectingConsumer collected = new CollectingConsumer(false);
		ChangeConsumer blocking = new ChangeConsumer() {
			@Override
			public void onChange(ChangeEvent event) throws Exception {
				if ("blocked".equals(event.after().get("status"))) {
					release.await(60, TimeUnit.SECONDS);
				}
			}
		};
		this.engine = EngineTestSupport.engine(EngineTestSupport.settings(database, "ack").withTables(List.of("orders")),
				collected, blocking);
		this.engine.start();
		database.execute("INSERT INTO orders VALUES (500, 'fine', 1, null)");
		await().atMost(Duration.ofSeconds(20)).until(() -> collected.changes.size() == 1);
		Lsn firstCommit = collected.changes.get(0).commitLsn();
		await().atMost(Duration.ofSeconds(20)).until(() -> confirmedFlush("ack").compareTo(firstCommit) > 0);
		database.execute("INSERT INTO orders VALUES (501, 'blocked', 1, null)");
		await().atMost(Duration.ofSeconds(20)).until(() -> collected.changes.size() == 2);
		Lsn blockedCommit = collected.changes.get(1).commitLsn();
		// several status intervals pass while the second consumer still holds the transaction
		await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
			.until(() -> confirmedFlush("ack").compareTo(blockedCommit) <= 0);
		release.countDown();
		await().atMost(Duration.ofSeconds(20)).until(() -> confirmedFlush("ack").compareTo(blockedCommit) > 0);
		database.execute("DELETE FROM orders");
	}

	@Test
	void heartbeatsMoveAnIdleSlotForward() throws Exception {
		CollectingConsumer consumer = new CollectingConsumer(false);
		database.execute("CREATE TABLE quiet (id int PRIMARY KEY)", "CREATE TABLE busy (id serial PRIMARY KEY)");
		this.engine = EngineTestSupport.engine(EngineTestSupport.settings(database, "idle").withTables(List.of("quiet"))
			.withIntervals(Duration.ofMillis(500), Duration.ofMillis(500)), consumer);
		this.engine.start();
		Lsn start = confirmedFlush("idle");
		for (int i = 0; i < 20; i++) {
			database.execute("INSERT INTO busy DEFAULT VALUES");
		}
		Lsn afterWrites = currentWalLsn();
		assertThat(afterWrites).isGreaterThan(start);
		await().atMost(Duration.ofSeconds(20)).until(() -> confirmedFlush("idle").compareTo(afterWrites) >= 0);
		assertThat(consumer.changes).isEmpty();
	}

	@Test
	void restartingTheSameEngineDeliversWhatItHadQueued() throws Exception {
		database.execute("CREATE TABLE restarted (id bigint PRIMARY KEY, payload text)");
		java.util.Set<Long> delivered = java.util.concurrent.ConcurrentHashMap.newKeySet();
		ChangeConsumer slow = new ChangeConsumer() {
			@Override
			public void onChange(ChangeEvent event) {
				long until = System.nanoTime() + 300_000;
				while (System.nanoTime() < until) {
					Thread.onSpinWait();
				}
				delivered.add((Long) event.after().get("id"));
			}
		};
		this.engine = EngineTestSupport.engine(EngineTestSupport.settings(database, "restarted")
			.withTables(List.of("restarted"))
			.withQueue(512, 1 << 20), slow);
		this.engine.start();
		ReliabilityTests.insertInTransactions(database, "restarted", 300, 10);
		await().atMost(Duration.ofSeconds(30)).until(() -> delivered.size() > 200);
		this.engine.stop();
		assertThat(delivered).as("stopped with work still queued").hasSizeLessThan(3_000);
		this.engine.start();
		await().atMost(Duration.ofSeconds(60)).until(() -> delivered.size() == 3_000);
	}

	static Lsn confirmedFlush(String slot) throws Exception {
		return Lsn.parse(database.confirmedFlush(slot));
	}

	static Lsn currentWalLsn() throws Exception {
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				// the insert position: with synchronous_commit off the write position may lag behind
				ResultSet rs = statement.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
			rs.next();
			return Lsn.parse(rs.getString(1));
		}
	}

	private static void insert(Connection connection, long id, String status) throws Exception {
		try (PreparedStatement statement = connection.prepareStatement("INSERT INTO orders VALUES (?, ?, 1, null)")) {
			statement.setLong(1, id);
			statement.setString(2, status);
			statement.executeUpdate();
		}
	}

}
