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
 * engine fails with a message that explains the gap and the recovery.
 */
class SlotInvalidationTests {

	@Test
	void invalidatedSlotFailsWithTheRecovery() throws Exception {
		try (EmbeddedPostgres server = EmbeddedPostgresSupport.builder()
			.setServerConfig("max_slot_wal_keep_size", "1MB")
			.setServerConfig("max_wal_size", "32MB")
			.setServerConfig("min_wal_size", "32MB")
			.start()) {
			TestDatabase database = EmbeddedPostgresSupport.createDatabase(server, "invalidated");
			database.execute("CREATE TABLE items (id bigint PRIMARY KEY, payload text)");
			ReplicationSettings settings = EngineTestSupport.settings(database, "doomed").withTables(List.of("items"));
			ReplicationEngine engine = EngineTestSupport.engine(settings, new CollectingConsumer(false));
			engine.start();
			await().atMost(Duration.ofSeconds(20)).until(() -> engine.state() == EngineState.STREAMING);
			engine.stop();
			// while nobody reads the slot, write far more WAL than it may keep, and checkpoint
			for (int i = 0; i < 6; i++) {
				database.execute("INSERT INTO items SELECT g, repeat('x', 500) FROM generate_series(" + (i * 20_000 + 1)
						+ ", " + ((i + 1) * 20_000) + ") g", "SELECT pg_switch_wal()", "CHECKPOINT");
			}
			await().atMost(Duration.ofSeconds(30)).until(() -> walStatus(database).equals("lost"));
			ReplicationEngine again = EngineTestSupport.engine(settings, new CollectingConsumer(false));
			assertThatThrownBy(again::start).isInstanceOf(ReplicationSetupException.class)
				.hasMessageContaining("was invalidated")
				.hasMessageContaining("changes were lost")
				.hasMessageContaining("pg_drop_replication_slot('doomed')")
				.hasMessageContaining("cdc.snapshot.mode=initial");
			again.stop();
		}
	}

	private static String walStatus(TestDatabase database) throws Exception {
		try (var connection = database.connect(); var statement = connection.createStatement();
				var rs = statement.executeQuery("SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'doomed'")) {
			rs.next();
			return String.valueOf(rs.getString(1));
		}
	}

}
