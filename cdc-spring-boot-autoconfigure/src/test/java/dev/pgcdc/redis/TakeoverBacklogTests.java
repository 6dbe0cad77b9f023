package dev.pgcdc.redis;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.autoconfigure.CdcRedisAutoConfiguration;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.listener.CdcListener;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import dev.pgcdc.test.EmbeddedRedisSupport;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Takeover with a backlog: instance A holds queued transactions behind a slow listener (which waits until the
 * whole workload is committed, then takes 2 ms a payment) when its walsender is terminated, and instance B takes the slot over. A delivers nothing once B has started (its backlog waits
 * while A's connection is lost, and is dropped when A learns B holds the slot), so a shared downstream system
 * never sees an older transaction after a newer one; the Redis counters (exactly-once) equal the SQL sums and
 * the last value per key is the newest.
 */
class TakeoverBacklogTests {

	/** Every delivery of either instance: instance (0 = A, 1 = B), row id, when. */
	static final Queue<long[]> deliveries = new ConcurrentLinkedQueue<>();

	/** Holds A's listener until every insert is committed, so how fast the inserts run cannot empty the backlog. */
	static volatile CountDownLatch released = new CountDownLatch(1);

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, DataRedisAutoConfiguration.class,
				CdcAutoConfiguration.class, CdcRedisAutoConfiguration.class))
		.withUserConfiguration(SlowListener.class);

	@Test
	void theInstanceThatLostTheSlotDeliversNothingOnceTheOtherHasStarted() {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("takeover_backlog");
		database.execute("CREATE TABLE payments (id int PRIMARY KEY, customer int, amount int)");
		int port = EmbeddedRedisSupport.shared().port();
		String slot = "takeover_backlog";
		released = new CountDownLatch(1);
		try (StatefulRedisConnection<String, String> client = RedisTestSupport.client(port)) {
			RedisCommands<String, String> redis = client.sync();
			ApplicationContextRunner common = this.runner.withPropertyValues(database.cdcProperties(slot))
				.withPropertyValues("spring.data.redis.port=" + port, "cdc.publication.tables=payments",
						"cdc.status-interval=500ms", "cdc.application-events.enabled=false",
						"cdc.redis.write.exactly-once=true",
						"cdc.redis.mappings.payments.insert[0]=INCRBY takeover:total:{customer} {amount}",
						"cdc.redis.mappings.payments.insert[1]=SET takeover:last:{customer} {id}");
			// A comes back late, so that B (polling every second) surely takes the slot over
			ApplicationContextRunner a = common.withPropertyValues("test.instance=0",
					"cdc.reconnect.initial-interval=15s", "cdc.reconnect.max-interval=30s");
			ApplicationContextRunner b = common.withPropertyValues("test.instance=1",
					"cdc.reconnect.initial-interval=200ms", "cdc.reconnect.max-interval=1s");
			a.run((first) -> b.run((second) -> {
				ReplicationEngine active = first.getBean(ReplicationEngine.class);
				ReplicationEngine standby = second.getBean(ReplicationEngine.class);
				await().atMost(Duration.ofSeconds(30)).until(() -> active.state() == EngineState.STREAMING);
				await().atMost(Duration.ofSeconds(30)).until(() -> standby.state() == EngineState.STANDBY);
				// 300 transactions of 10 payments, ids growing per customer; A's listener takes 2 ms a payment
				for (int t = 0; t < 300; t++) {
					database.execute("INSERT INTO payments SELECT g, g % 7, g % 13 + 1 FROM generate_series(" + (t * 10 + 1)
							+ ", " + (t * 10 + 10) + ") g");
				}
				released.countDown();
				await().atMost(Duration.ofSeconds(30)).until(() -> deliveries.size() >= 300);
				assertThat(deliveries.size()).as("a backlog behind A's slow listener").isLessThan(2_500);
				database.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '"
						+ slot + "'");
				await().atMost(Duration.ofSeconds(30)).until(() -> standby.state() == EngineState.STREAMING);
				await().atMost(Duration.ofSeconds(90)).until(() -> ids().size() == 3_000);
				await().atMost(Duration.ofSeconds(60)).until(() -> active.state() == EngineState.STANDBY);
				long firstOfB = deliveries.stream().filter((d) -> d[0] == 1).mapToLong((d) -> d[2]).min().orElseThrow();
				List<long[]> lateOfA = deliveries.stream().filter((d) -> d[0] == 0 && d[2] > firstOfB).toList();
				System.out.printf("Takeover with a backlog: A delivered %d, B %d, A after B started: %d%n",
						deliveries.stream().filter((d) -> d[0] == 0).count(),
						deliveries.stream().filter((d) -> d[0] == 1).count(), lateOfA.size());
				assertThat(lateOfA).as("deliveries of A after B started").isEmpty();
				Map<String, String> expectedTotals = new HashMap<>();
				Map<String, String> expectedLast = new HashMap<>();
				for (int customer = 0; customer < 7; customer++) {
					int sum = 0;
					int last = 0;
					for (int id = 1; id <= 3_000; id++) {
						if (id % 7 == customer) {
							sum += id % 13 + 1;
							last = id;
						}
					}
					expectedTotals.put("takeover:total:" + customer, Integer.toString(sum));
					expectedLast.put("takeover:last:" + customer, Integer.toString(last));
				}
				await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
					for (Map.Entry<String, String> total : expectedTotals.entrySet()) {
						assertThat(redis.get(total.getKey())).as(total.getKey()).isEqualTo(total.getValue());
					}
					for (Map.Entry<String, String> last : expectedLast.entrySet()) {
						assertThat(redis.get(last.getKey())).as(last.getKey()).isEqualTo(last.getValue());
					}
				});
			}));
		}
		finally {
			released.countDown();
		}
	}

	private static Set<Long> ids() {
		return deliveries.stream().map((d) -> d[1]).collect(Collectors.toCollection(ConcurrentHashMap::newKeySet));
	}

	@Configuration(proxyBeanMethods = false)
	static class SlowListener {

		@Bean
		Recorder recorder(@Value("${test.instance}") long instance) {
			return new Recorder(instance);
		}

	}

	static class Recorder {

		private final long instance;

		Recorder(long instance) {
			this.instance = instance;
		}

		@CdcListener(tables = "payments")
		void on(ChangeEvent event) throws InterruptedException {
			if (this.instance == 0) {
				released.await(60, TimeUnit.SECONDS);
			}
			deliveries.add(new long[] { this.instance, ((Number) event.row().get("id")).longValue(), System.nanoTime() });
			TimeUnit.MILLISECONDS.sleep(2);
		}

	}

}
