package dev.pgcdc.replication;

import java.time.Duration;

import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Session timeouts set on the role (or the server) do not reach the engine's own connections: the server
 * watch, which waits in a read for ever, would otherwise be ended at that interval and abort a healthy
 * stream with it.
 */
class IdleSessionTimeoutTests extends EngineTestBase {

	@Test
	void watchConnectionSurvivesARoleLevelIdleSessionTimeout() {
		TestDatabase database = database("idle_timeout", "CREATE TABLE items (id bigint PRIMARY KEY, payload text)",
				"CREATE ROLE idle_app LOGIN REPLICATION", "GRANT SELECT ON items TO idle_app",
				"GRANT CREATE ON SCHEMA public TO idle_app",
				"ALTER ROLE idle_app SET idle_session_timeout = '2s'",
				"ALTER ROLE idle_app SET statement_timeout = '1ms'",
				"CREATE PUBLICATION idle_pub FOR TABLE items");
		ReplicationSettings settings = EngineTestSupport.asRole(database, "idle_app", "idle_timeout", "idle_pub", "items")
			.heartbeatInterval(Duration.ofSeconds(5))
			.build();
		CollectingConsumer consumer = new CollectingConsumer(false);
		this.engine = EngineTestSupport.engine(settings, consumer);
		this.engine.start();
		await().atMost(Duration.ofSeconds(20)).until(() -> this.engine.state() == EngineState.STREAMING);
		await().during(Duration.ofSeconds(30)).atMost(Duration.ofSeconds(40))
			.until(() -> this.engine.state() == EngineState.STREAMING && this.engine.statistics().connections() == 1);
		database.execute("INSERT INTO items VALUES (1, 'after 30 s of idling')");
		await().atMost(Duration.ofSeconds(10)).until(() -> consumer.changes.size() == 1);
		assertThat(this.engine.statistics().connections()).as("replication connections opened").isEqualTo(1);
	}

}
