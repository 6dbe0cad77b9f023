package dev.pgcdc.replication;

import java.time.Duration;
import java.util.List;

import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A slot PostgreSQL invalidated (it removed WAL the slot still needed) is never silently recreated: the
 * engine fails with a message that explains the gap and the recovery, at start-up and while streaming.
 */
class SlotInvalidationTests {

	@Test
	void invalidatedSlotFailsWithTheRecovery() throws Exception {
		try (EmbeddedPostgres server = startServerKeepingLittleWal()) {
			TestDatabase database = EmbeddedPostgresSupport.createDatabase(server, "invalidated");
			database.execute("CREATE TABLE items (id bigint PRIMARY KEY, payload text)");
			ReplicationSettings settings = EngineTestSupport.settings(database, "doomed").withTables(List.of("items"));
			ReplicationEngine engine = EngineTestSupport.engine(settings, new CollectingConsumer(false));
			engine.start();
			await().atMost(Duration.ofSeconds(20)).until(() -> engine.state() == EngineState.STREAMING);
			engine.stop();
			// while nobody reads the slot, write far more WAL than it may keep, and checkpoint
			writeMoreWalThanTheSlotMayKeep(database);
			await().atMost(Duration.ofSeconds(30)).until(() -> walStatus(database, "doomed").equals("lost"));
			ReplicationEngine again = EngineTestSupport.engine(settings, new CollectingConsumer(false));
			assertThatThrownBy(again::start).isInstanceOf(ReplicationSetupException.class)
				.hasMessageContaining("was invalidated")
				.hasMessageContaining("changes were lost")
				.hasMessageContaining("pg_drop_replication_slot('doomed')")
				.hasMessageContaining("cdc.snapshot.mode=initial");
			again.stop();
		}
	}

	@Test
	void slotInvalidatedWhileStreamingEndsFailedWithTheRecovery() throws Exception {
		try (EmbeddedPostgres server = startServerKeepingLittleWal()) {
			TestDatabase database = EmbeddedPostgresSupport.createDatabase(server, "invalidated_live");
			database.execute("CREATE TABLE items (id bigint PRIMARY KEY, payload text)");
			// a small queue and a paused dispatcher: the consumer falls far behind, as a slow one would
			ReplicationSettings settings = EngineTestSupport.settings(database, "lagging")
				.withTables(List.of("items"))
				.toBuilder()
				.queue(16, 1024 * 1024)
				.reconnect(Duration.ofMillis(200), Duration.ofSeconds(1))
				.build();
			CollectingConsumer consumer = new CollectingConsumer(false);
			ReplicationEngine engine = EngineTestSupport.engine(settings, consumer);
			engine.start();
			try {
				await().atMost(Duration.ofSeconds(20)).until(() -> engine.state() == EngineState.STREAMING);
				engine.pause();
				assertThat(engine.state()).isEqualTo(EngineState.PAUSED);
				writeMoreWalThanTheSlotMayKeep(database);
				// the server ends the walsender of the active slot to invalidate it
				await().atMost(Duration.ofSeconds(30)).until(() -> walStatus(database, "lagging").equals("lost"));
				engine.resume();
				await().atMost(Duration.ofSeconds(30)).until(() -> engine.state() == EngineState.FAILED);
				assertThat(engine.lastError()).contains("invalidated")
					.contains("max_slot_wal_keep_size")
					.contains("changes made since the last confirmed position are lost")
					.contains("pg_drop_replication_slot('lagging')")
					.contains("cdc.snapshot.mode=initial");
				await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
					.until(() -> engine.state() == EngineState.FAILED);
			}
			finally {
				engine.stop();
			}
		}
	}

	private static EmbeddedPostgres startServerKeepingLittleWal() throws Exception {
		return EmbeddedPostgresSupport.builder()
			.setServerConfig("max_slot_wal_keep_size", "1MB")
			.setServerConfig("max_wal_size", "32MB")
			.setServerConfig("min_wal_size", "32MB")
			// a walsender told to release an invalidated slot while its client reads nothing ends after this
			.setServerConfig("wal_sender_timeout", "5s")
			.start();
	}

	private static void writeMoreWalThanTheSlotMayKeep(TestDatabase database) {
		for (int i = 0; i < 6; i++) {
			database.execute("INSERT INTO items SELECT g, repeat('x', 500) FROM generate_series(" + (i * 20_000 + 1)
					+ ", " + ((i + 1) * 20_000) + ") g", "SELECT pg_switch_wal()", "CHECKPOINT");
		}
	}

	private static String walStatus(TestDatabase database, String slot) throws Exception {
		try (var connection = database.connect(); var statement = connection.createStatement();
				var rs = statement.executeQuery("SELECT wal_status FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
			rs.next();
			return String.valueOf(rs.getString(1));
		}
	}

}
