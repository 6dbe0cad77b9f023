package dev.pgcdc.replication;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A primary failover to a standby without a copy of the slot (here an ordinary slot, {@code cdc.slot.failover=false},
 * as on PostgreSQL 16 and older) ends capture FAILED, naming the missing slot and the recovery, rather than
 * creating a new slot that would skip the changes since the last synchronization.
 */
class FailoverWithoutSynchronizedSlotTests extends EngineTestBase {

	@TempDir
	Path dir;

	@Test
	void slotMissingOnThePromotedStandbyEndsCaptureFailedWithTheRecovery() throws Exception {
		try (FailoverPair pair = new FailoverPair(this.dir)) {
			TestDatabase database = pair.createDatabase("unsynced");
			database.execute("CREATE TABLE items (id bigint PRIMARY KEY, payload text)");
			ReplicationSettings settings = ReplicationSettings
				.builder(new ConnectionSettings(pair.url(database.name()), "postgres", "postgres"), "unsynced", "unsynced")
				.tables(List.of("items"))
				.failoverSlot(false)
				.statusInterval(Duration.ofMillis(500))
				.heartbeatInterval(Duration.ofSeconds(5))
				.reconnect(Duration.ofMillis(200), Duration.ofSeconds(1))
				.build();
			CollectingConsumer consumer = new CollectingConsumer(false);
			this.engine = EngineTestSupport.engine(settings, consumer);
			this.engine.start();
			await().atMost(Duration.ofSeconds(20)).until(() -> this.engine.state() == EngineState.STREAMING);
			database.execute("INSERT INTO items VALUES (1, 'before the failover')");
			await().atMost(Duration.ofSeconds(20)).until(() -> consumer.changes.size() == 1);

			pair.failover();
			await().atMost(Duration.ofSeconds(60)).until(() -> this.engine.state() == EngineState.FAILED);
			assertThat(this.engine.lastError()).contains("replication slot \"unsynced\" does not exist")
				.contains("cdc.snapshot.mode=initial");
			assertThat(FailoverSlots.explainMissingSlot(new PgConnector(settings.connection()), "unsynced"))
				.contains("Replication slot 'unsynced' does not exist on this server, which was promoted from a standby "
						+ "(timeline 2)")
				.contains("changes made since the slot's last synchronization (or since the failover) cannot be read");
		}
	}

}
