package dev.pgcdc.autoconfigure;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.listener.CdcListener;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two instances of one application share a slot: one streams, the other stands by and takes over within
 * seconds when the first stops, without losing a committed row.
 */
class HighAvailabilityContextTests {

	/** Rows seen by either instance, as a shared downstream system would. */
	static final Set<Long> delivered = ConcurrentHashMap.newKeySet();

	@Test
	void standbyInstanceTakesOverTheSlot() {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("ha_contexts");
		database.execute("CREATE TABLE orders (id bigint PRIMARY KEY, status text)");
		ApplicationContextRunner runner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, CdcAutoConfiguration.class))
			.withUserConfiguration(Recorder.class)
			.withPropertyValues(database.cdcProperties("ha_app"))
			.withPropertyValues("cdc.publication.tables=orders", "cdc.status-interval=500ms",
					"cdc.reconnect.initial-interval=200ms");
		runner.run((first) -> runner.run((second) -> {
			ReplicationEngine active = first.getBean(ReplicationEngine.class);
			ReplicationEngine standby = second.getBean(ReplicationEngine.class);
			await().atMost(Duration.ofSeconds(20)).until(() -> active.state() == EngineState.STREAMING);
			await().atMost(Duration.ofSeconds(20)).until(() -> standby.state() == EngineState.STANDBY);
			database.execute("INSERT INTO orders SELECT g, 'NEW' FROM generate_series(1, 100) g");
			await().atMost(Duration.ofSeconds(20)).until(() -> delivered.size() == 100);

			((ConfigurableApplicationContext) first.getSourceApplicationContext()).close();
			database.execute("INSERT INTO orders SELECT g, 'NEW' FROM generate_series(101, 200) g");
			await().atMost(Duration.ofSeconds(10)).until(() -> standby.state() == EngineState.STREAMING);
			await().atMost(Duration.ofSeconds(20)).until(() -> delivered.size() == 200);
		}));
		assertThat(delivered).hasSize(200);
	}

	@Configuration(proxyBeanMethods = false)
	static class Recorder {

		@CdcListener(tables = "orders")
		void on(ChangeEvent event) {
			delivered.add((Long) event.row().get("id"));
		}

	}

}
