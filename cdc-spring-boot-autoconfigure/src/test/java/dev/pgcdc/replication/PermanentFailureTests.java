package dev.pgcdc.replication;

import java.time.Duration;
import java.util.List;

import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A failure no retry can fix, met while streaming, ends capture as FAILED with a message that names the fix,
 * instead of reconnecting for ever while the slot stands still. (Dropped slots and publications:
 * {@link HostileInputTests}; an invalidated slot: {@link SlotInvalidationTests}.)
 */
class PermanentFailureTests extends EngineTestBase {

	@Test
	void roleThatLosesReplicationWhileStreamingEndsFailedNamingTheGrant() {
		TestDatabase database = database("lost_privilege", "CREATE TABLE items (id bigint PRIMARY KEY)",
				"CREATE ROLE cdc_demoted LOGIN REPLICATION PASSWORD 'demoted-pw'", "GRANT SELECT ON items TO cdc_demoted",
				"CREATE PUBLICATION demoted_pub FOR TABLE items");
		ReplicationSettings settings = ReplicationSettings
			.builder(new ConnectionSettings(database.jdbcUrl(), "cdc_demoted", "demoted-pw"), "demoted", "demoted_pub")
			.tables(List.of("items"))
			.createPublication(false)
			.statusInterval(Duration.ofSeconds(1))
			.reconnect(Duration.ofMillis(200), Duration.ofSeconds(1))
			.build();
		CollectingConsumer consumer = new CollectingConsumer(false);
		this.engine = EngineTestSupport.engine(settings, consumer);
		this.engine.start();
		database.execute("INSERT INTO items VALUES (1)");
		await().atMost(Duration.ofSeconds(20)).until(() -> consumer.changes.size() == 1);
		assertThat(this.engine.state()).isEqualTo(EngineState.STREAMING);
		database.execute("ALTER ROLE cdc_demoted NOREPLICATION",
				"SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'demoted'");
		await().atMost(Duration.ofSeconds(20)).until(() -> this.engine.state() == EngineState.FAILED);
		assertThat(this.engine.lastError()).contains("cdc_demoted").contains("ALTER ROLE cdc_demoted REPLICATION");
		// it stays failed: no reconnect attempt turns it into RECONNECTING again
		await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
			.until(() -> this.engine.state() == EngineState.FAILED);
	}

}
