package dev.pgcdc.replication;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Several instances on one slot: one streams, the others stand by and take over when it goes; and a
 * least-privilege role streams from a publication an administrator created.
 */
class HighAvailabilityTests {

	@Test
	void secondInstanceStandsByAndTakesOverWithinSecondsWithoutLoss() {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("ha");
		database.execute("CREATE TABLE items (id bigint PRIMARY KEY, payload text)");
		ReplicationSettings settings = EngineTestSupport.settings(database, "ha_slot").withTables(List.of("items"));
		CollectingConsumer first = new CollectingConsumer(false);
		CollectingConsumer second = new CollectingConsumer(false);
		ReplicationEngine active = EngineTestSupport.engine(settings, first);
		ReplicationEngine standby = EngineTestSupport.engine(settings, second);
		active.start();
		try {
			await().atMost(Duration.ofSeconds(20)).until(() -> active.state() == EngineState.STREAMING);
			standby.start();
			await().atMost(Duration.ofSeconds(20)).until(() -> standby.state() == EngineState.STANDBY);
			ReliabilityTests.insertInTransactions(database, "items", 5, 200);
			await().atMost(Duration.ofSeconds(20)).until(() -> first.changes.size() == 1_000);
			assertThat(standby.state()).isEqualTo(EngineState.STANDBY);
			assertThat(second.changes).isEmpty();

			active.stop();
			long stoppedAt = System.nanoTime();
			ReliabilityTests.insertInTransactions(database, "items", 5, 200, 1_000);
			await().atMost(Duration.ofSeconds(10)).until(() -> standby.state() == EngineState.STREAMING);
			long takeoverMillis = Duration.ofNanos(System.nanoTime() - stoppedAt).toMillis();
			await().atMost(Duration.ofSeconds(20)).until(() -> ids(first, second).size() == 2_000);
			System.out.printf("HA: standby took over in %d ms; 2000 committed, %d delivered, 0 lost%n", takeoverMillis,
					first.changes.size() + second.changes.size());
		}
		finally {
			active.stop();
			standby.stop();
		}
	}

	@Test
	void leastPrivilegeRoleStreamsFromAnAdministratorsPublication() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("least_privilege");
		database.execute("CREATE TABLE items (id bigint PRIMARY KEY, payload text)",
				"CREATE ROLE cdc_reader LOGIN REPLICATION PASSWORD 'reader-pw'",
				"GRANT SELECT ON items TO cdc_reader",
				"CREATE PUBLICATION admin_pub FOR TABLE items");
		ReplicationSettings settings = ReplicationSettings
			.builder(new ConnectionSettings(database.jdbcUrl(), "cdc_reader", "reader-pw"), "least_priv", "admin_pub")
			.tables(List.of("items"))
			.createPublication(false)
			.statusInterval(Duration.ofSeconds(1))
			.heartbeatInterval(Duration.ofSeconds(1))
			.build();
		CollectingConsumer consumer = new CollectingConsumer(false);
		ReplicationEngine engine = EngineTestSupport.engine(settings, consumer);
		engine.start();
		try {
			await().atMost(Duration.ofSeconds(20)).until(() -> engine.state() == EngineState.STREAMING);
			database.execute("INSERT INTO items VALUES (1, 'visible to the reader')");
			await().atMost(Duration.ofSeconds(20)).until(() -> consumer.changes.size() == 1);
			assertThat(consumer.changes.get(0).after().get("payload")).isEqualTo("visible to the reader");
			String before = database.confirmedFlush("least_priv");
			await().atMost(Duration.ofSeconds(20))
				.until(() -> !database.confirmedFlush("least_priv").equals(before));
			assertThat(engine.lastError()).isNull();
		}
		finally {
			engine.stop();
		}
	}

	private static Set<Long> ids(CollectingConsumer... consumers) {
		Set<Long> ids = new HashSet<>();
		for (CollectingConsumer consumer : consumers) {
			for (ChangeEvent event : consumer.changes) {
				ids.add((Long) event.after().get("id"));
			}
		}
		return ids;
	}

}
