package dev.pgcdc.replication;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.TransactionEvent;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Large transactions the server streams while they run ({@code cdc.slot.streaming}, protocol version 2): each
 * database here sets {@code logical_decoding_work_mem} to its minimum, 64 kB, so that the server streams any
 * transaction of more than a few hundred rows. Consumers must see exactly what they see without streaming:
 * committed transactions only, whole, once, in commit order, without rolled-back subtransactions.
 */
class StreamedTransactionTests extends EngineTestBase {

	@Test
	void aStreamedTransactionIsDeliveredWholeOnceAtItsCommitInCommitOrder() throws Exception {
		TestDatabase database = streamingDatabase("streamed_whole");
		CollectingConsumer eager = new CollectingConsumer(false);
		CollectingConsumer transactions = new CollectingConsumer(true);
		start(database, "streamed_whole", eager, transactions);
		try (Connection large = database.connect(); Connection small = database.connect()) {
			large.setAutoCommit(false);
			insert(large, 1, 10_000);
			// committed while the large one is open, so delivered before it
			insert(small, 100_001, 100_001);
			insert(large, 10_001, 20_000);
			awaitStreamed(database, "streamed_whole");
			await().atMost(Duration.ofSeconds(30)).until(() -> !eager.changes.isEmpty());
			await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> eager.changes.size() == 1);
			assertThat(eager.changes).as("nothing of a transaction still running").extracting(StreamedTransactionTests::id)
				.containsExactly(100_001L);
			large.commit();
			insert(small, 100_002, 100_002);
		}
		await().atMost(Duration.ofSeconds(60)).until(() -> eager.changes.size() == 20_002);
		List<Long> expected = new java.util.ArrayList<>(List.of(100_001L));
		LongStream.rangeClosed(1, 20_000).forEach(expected::add);
		expected.add(100_002L);
		assertThat(eager.changes).extracting(StreamedTransactionTests::id).as("once each, in commit order")
			.isEqualTo(expected);
		await().atMost(Duration.ofSeconds(10)).until(() -> transactions.transactions.size() == 3);
		TransactionEvent whole = transactions.transactions.get(1);
		assertThat(whole.changes()).hasSize(20_000);
		assertThat(whole.changes().get(19_999).row().get("payload")).isEqualTo("row 20000");
		assertThat(whole.changes()).allSatisfy((change) -> assertThat(change.xid()).isEqualTo(whole.xid()));
		assertThat(streamStatistics(database, "streamed_whole")[1]).as("the server spilled nothing").isZero();
		assertThat(this.engine.statistics().streamedTransactions()).isEqualTo(1);
		assertThat(this.engine.statistics().streamedBytes()).isGreaterThan(20_000L * 20);
	}

	@Test
	void rolledBackSubtransactionsAndTransactionsNeverArrive() throws Exception {
		TestDatabase database = streamingDatabase("streamed_abort");
		CollectingConsumer eager = new CollectingConsumer(false);
		CollectingConsumer transactions = new CollectingConsumer(true);
		start(database, "streamed_abort", eager, transactions);
		try (Connection kept = database.connect(); Connection dropped = database.connect()) {
			kept.setAutoCommit(false);
			dropped.setAutoCommit(false);
			insert(kept, 1, 3_000);
			insert(dropped, 500_001, 505_000);
			execute(kept, "SAVEPOINT a");
			insert(kept, 200_001, 203_000);
			execute(kept, "SAVEPOINT b");
			insert(kept, 300_001, 303_000);
			execute(kept, "RELEASE SAVEPOINT b");
			insert(kept, 400_001, 401_000);
			awaitStreamed(database, "streamed_abort");
			// a, its released child b and what followed in a: all rolled back
			execute(kept, "ROLLBACK TO SAVEPOINT a");
			insert(kept, 3_001, 5_000);
			execute(kept, "SAVEPOINT c");
			insert(kept, 600_001, 601_000);
			execute(kept, "RELEASE SAVEPOINT c");
			dropped.rollback();
			kept.commit();
		}
		insert(database, 700_001, 700_001);
		await().atMost(Duration.ofSeconds(60)).until(() -> eager.changes.stream().anyMatch((e) -> id(e) == 700_001L));
		List<Long> expected = new java.util.ArrayList<>();
		LongStream.rangeClosed(1, 5_000).forEach(expected::add);
		LongStream.rangeClosed(600_001, 601_000).forEach(expected::add);
		expected.add(700_001L);
		assertThat(eager.changes).extracting(StreamedTransactionTests::id)
			.as("the committed rows once, in order; nothing rolled back").isEqualTo(expected);
		await().atMost(Duration.ofSeconds(10)).until(() -> transactions.transactions.size() == 2);
		assertThat(transactions.transactions.get(0).changes()).hasSize(6_000);
		assertThat(database.confirmedFlush("streamed_abort")).isNotNull();
	}

	@Test
	void aColumnAddedInsideAStreamedTransactionAppliesToItsLaterRowsOnly() throws Exception {
		TestDatabase database = streamingDatabase("streamed_ddl");
		CollectingConsumer eager = new CollectingConsumer(false);
		start(database, "streamed_ddl", eager);
		try (Connection altering = database.connect(); Connection other = database.connect()) {
			altering.setAutoCommit(false);
			insert(altering, 1, 3_000);
			execute(altering, "ALTER TABLE items ADD COLUMN extra text DEFAULT 'new'");
			execute(altering, "INSERT INTO items (id, payload, extra) SELECT g, 'row ' || g, 'x' || g "
					+ "FROM generate_series(3001, 6000) g");
			awaitStreamed(database, "streamed_ddl");
			// another table's row commits first; it cannot see the uncommitted column
			execute(other, "INSERT INTO others VALUES (1)");
			altering.commit();
		}
		insert(database, 10_001, 10_001);
		await().atMost(Duration.ofSeconds(60)).until(() -> eager.changes.size() == 6_002);
		assertThat(eager.changes.get(0).table().name()).isEqualTo("others");
		ChangeEvent before = eager.changes.get(1);
		assertThat(id(before)).isEqualTo(1L);
		assertThat(before.row().toMap()).doesNotContainKey("extra");
		ChangeEvent after = eager.changes.get(3_001);
		assertThat(id(after)).isEqualTo(3_001L);
		assertThat(after.row().toMap()).containsEntry("extra", "x3001");
		assertThat(eager.changes.get(6_001).row().toMap()).containsEntry("extra", "new");
	}

	@Test
	void aConnectionLostWhileATransactionStreamsDeliversItOnce() throws Exception {
		TestDatabase database = streamingDatabase("streamed_cut");
		CollectingConsumer eager = new CollectingConsumer(false);
		CollectingConsumer transactions = new CollectingConsumer(true);
		start(database, "streamed_cut", eager, transactions);
		try (Connection large = database.connect()) {
			large.setAutoCommit(false);
			insert(large, 1, 10_000);
			awaitStreamed(database, "streamed_cut");
			long connections = this.engine.statistics().connections();
			database.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'streamed_cut'");
			await().atMost(Duration.ofSeconds(30)).until(() -> this.engine.statistics().connections() > connections);
			insert(large, 10_001, 20_000);
			large.commit();
		}
		await().atMost(Duration.ofSeconds(60)).until(() -> transactions.transactions.size() == 1);
		assertThat(transactions.transactions.get(0).changes()).hasSize(20_000);
		assertThat(eager.changes).extracting(StreamedTransactionTests::id).as("once each, in order")
			.isEqualTo(LongStream.rangeClosed(1, 20_000).boxed().toList());
	}

	@Test
	void aStreamedTransactionThatCannotBeSpilledStopsCaptureAndConfirmsNothing(@TempDir Path directory) throws Exception {
		TestDatabase database = streamingDatabase("streamed_nospill");
		Path notADirectory = Files.createFile(directory.resolve("not-a-directory"));
		CollectingConsumer transactions = new CollectingConsumer(true);
		this.engine = EngineTestSupport.engine(settings(database, "streamed_nospill")
			.memory(0, notADirectory)
			.build(), transactions);
		this.engine.start();
		await().atMost(Duration.ofSeconds(30)).until(() -> this.engine.state() == EngineState.STREAMING);
		String confirmedBefore = database.confirmedFlush("streamed_nospill");
		insert(database, 1, 10_000);
		await().atMost(Duration.ofSeconds(30)).until(() -> this.engine.state() == EngineState.FAILED);
		assertThat(this.engine.lastError()).contains("cdc.memory.spill-directory").contains(notADirectory.toString());
		assertThat(transactions.transactions).isEmpty();
		this.engine.stop();
		assertThat(database.confirmedFlush("streamed_nospill")).isEqualTo(confirmedBefore);
		this.engine = EngineTestSupport.engine(settings(database, "streamed_nospill")
			.memory(0, directory.resolve("spill"))
			.build(), transactions);
		this.engine.start();
		await().atMost(Duration.ofSeconds(60)).until(() -> transactions.transactions.size() == 1);
		assertThat(transactions.transactions.get(0).changes()).hasSize(10_000);
	}

	/**
	 * The connection lost while the commit of a streamed transaction is being delivered to a consumer that holds
	 * the dispatcher, the queue full: the reset that follows the lost connection must not wait for room (the
	 * dispatcher holds at the closed delivery gate), and the transaction sent again continues after what was
	 * delivered.
	 */
	@Test
	void aConnectionLostWhileAStreamedTransactionIsDeliveredToAFullQueueDeliversEachChangeOnce() throws Exception {
		TestDatabase database = streamingDatabase("streamed_full");
		java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
		CollectingConsumer eager = new CollectingConsumer(false) {
			@Override
			public void onChange(ChangeEvent event) {
				super.onChange(event);
				if (this.changes.size() == 1_000) {
					try {
						release.await(60, java.util.concurrent.TimeUnit.SECONDS);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
				}
			}
		};
		CollectingConsumer transactions = new CollectingConsumer(true);
		this.engine = EngineTestSupport.engine(settings(database, "streamed_full")
			.queue(16, 1024 * 1024)
			.build(), eager, transactions);
		this.engine.start();
		await().atMost(Duration.ofSeconds(30)).until(() -> this.engine.state() == EngineState.STREAMING);
		insert(database, 1, 50_000);
		await().atMost(Duration.ofSeconds(30)).until(() -> eager.changes.size() >= 1_000);
		assertThat(streamStatistics(database, "streamed_full")[0]).as("streamed").isPositive();
		long connections = this.engine.statistics().connections();
		database.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'streamed_full'");
		release.countDown();
		await().atMost(Duration.ofSeconds(30)).until(() -> this.engine.statistics().connections() > connections);
		insert(database, 50_001, 50_001);
		await().atMost(Duration.ofSeconds(60)).until(() -> transactions.transactions.size() == 2);
		assertThat(transactions.transactions.get(0).changes()).hasSize(50_000);
		assertThat(eager.changes).extracting(StreamedTransactionTests::id).as("each change once, in order")
			.isEqualTo(LongStream.rangeClosed(1, 50_001).boxed().toList());
	}

	@Test
	void streamingOffLeavesLargeTransactionsToTheServer() throws Exception {
		TestDatabase database = streamingDatabase("streamed_off");
		CollectingConsumer transactions = new CollectingConsumer(true);
		this.engine = EngineTestSupport.engine(settings(database, "streamed_off")
			.streamInProgress(false)
			.build(), transactions);
		this.engine.start();
		await().atMost(Duration.ofSeconds(30)).until(() -> this.engine.state() == EngineState.STREAMING);
		insert(database, 1, 10_000);
		await().atMost(Duration.ofSeconds(60)).until(() -> transactions.transactions.size() == 1);
		assertThat(transactions.transactions.get(0).changes()).hasSize(10_000);
		long[] statistics = streamStatistics(database, "streamed_off");
		assertThat(statistics[0]).as("nothing streamed").isZero();
		assertThat(statistics[1]).as("the server spilled instead").isPositive();
		assertThat(this.engine.statistics().streamedTransactions()).isZero();
	}

	private void start(TestDatabase database, String slot, ChangeConsumer... consumers) {
		this.engine = EngineTestSupport.engine(settings(database, slot).build(), consumers);
		this.engine.start();
		await().atMost(Duration.ofSeconds(30)).until(() -> this.engine.state() == EngineState.STREAMING);
	}

	/** The tables of these tests, and reconnecting within a second after a cut. */
	private static ReplicationSettings.Builder settings(TestDatabase database, String slot) {
		return EngineTestSupport.settings(database, slot).toBuilder()
			.tables(List.of("items", "others"))
			.reconnect(Duration.ofMillis(100), Duration.ofSeconds(1));
	}

	private static TestDatabase streamingDatabase(String prefix) {
		TestDatabase database = database(prefix, "CREATE TABLE items (id bigint PRIMARY KEY, payload text)",
				"CREATE TABLE others (id bigint PRIMARY KEY)");
		// the walsender of this database's replication connections takes it at its start
		database.execute("ALTER DATABASE " + database.name() + " SET logical_decoding_work_mem = '64kB'");
		return database;
	}

	/** Wait until the server has streamed part of an open transaction of the slot. */
	private static void awaitStreamed(TestDatabase database, String slot) {
		await().atMost(Duration.ofSeconds(30)).until(() -> streamStatistics(database, slot)[0] > 0);
	}

	/** {@code stream_bytes} and {@code spill_bytes} of the slot. */
	private static long[] streamStatistics(TestDatabase database, String slot) throws SQLException {
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SELECT stream_bytes, spill_bytes FROM pg_stat_replication_slots "
						+ "WHERE slot_name = '" + slot + "'")) {
			return rows.next() ? new long[] { rows.getLong(1), rows.getLong(2) } : new long[] { 0, 0 };
		}
	}

	private static void insert(TestDatabase database, long from, long to) throws SQLException {
		try (Connection connection = database.connect()) {
			insert(connection, from, to);
		}
	}

	private static void insert(Connection connection, long from, long to) throws SQLException {
		execute(connection, "INSERT INTO items (id, payload) SELECT g, 'row ' || g FROM generate_series(" + from + ", "
				+ to + ") g");
	}

	private static void execute(Connection connection, String sql) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

	private static long id(ChangeEvent event) {
		return ((Number) event.row().get("id")).longValue();
	}

}
