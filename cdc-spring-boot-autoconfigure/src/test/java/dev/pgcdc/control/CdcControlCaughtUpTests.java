package dev.pgcdc.control;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pgcdc.CdcControl;
import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.autoconfigure.CdcRedisAutoConfiguration;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.listener.CdcListener;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import dev.pgcdc.test.EmbeddedRedisSupport;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link CdcControl#awaitCaughtUp(Duration)} in a real application on a real PostgreSQL: it returns once
 * every consumer, on its own threads too, has handled what was committed before the call (measured over
 * 1,000 calls), at once on an idle database, and {@code false} rather than hanging when a listener blocks,
 * delivery is paused, or capture is stopped.
 */
class CdcControlCaughtUpTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	private static TestDatabase database;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, CdcAutoConfiguration.class))
		.withUserConfiguration(Listeners.class);

	@BeforeAll
	static void createDatabase() {
		database = EmbeddedPostgresSupport.createDatabase("cdc_control_caught_up");
		database.execute("CREATE TABLE pings (id int PRIMARY KEY)", "CREATE TABLE keyed (id int PRIMARY KEY)",
				"CREATE TABLE blocked (id int PRIMARY KEY)");
	}

	private ApplicationContextRunner withSlot(String slot) {
		return this.runner.withPropertyValues(database.cdcProperties(slot))
			.withPropertyValues("cdc.status-interval=1s", "cdc.application-events.enabled=false");
	}

	@Test
	void returnsOnceTheLastListenerHasFinished() {
		withSlot("caught_up_latency").run((context) -> {
			awaitStreaming(context);
			CdcControl control = context.getBean(CdcControl.class);
			Listeners listeners = context.getBean(Listeners.class);
			int calls = 1000;
			long[] afterFinish = new long[calls];
			long[] total = new long[calls];
			try (var connection = database.connect(); var insert = connection.prepareStatement("INSERT INTO pings VALUES (?)")) {
				for (int i = 0; i < calls; i++) {
					insert.setInt(1, 100_000 + i);
					insert.executeUpdate();
					long called = System.nanoTime();
					assertThat(control.awaitCaughtUp(WAIT)).isTrue();
					long returned = System.nanoTime();
					// the promise: the listener has handled every row committed before the call
					assertThat(listeners.pings.get()).isEqualTo(i + 1);
					assertThat(listeners.keyed).hasSize(i + 1);
					afterFinish[i] = returned - Math.max(listeners.lastPingFinished, listeners.lastKeyedFinished);
					total[i] = returned - called;
				}
			}
			System.out.println("awaitCaughtUp over " + calls + " calls, from the last listener finishing to the return: "
					+ figures(afterFinish) + "; whole call (commit to return): " + figures(total));
		});
	}

	@Test
	void anIdleDatabaseAnswersAfterOneRoundTrip() {
		withSlot("caught_up_idle").run((context) -> {
			awaitStreaming(context);
			CdcControl control = context.getBean(CdcControl.class);
			int calls = 50;
			long[] durations = new long[calls];
			for (int i = 0; i < calls; i++) {
				long start = System.nanoTime();
				assertThat(control.awaitCaughtUp(WAIT)).isTrue();
				durations[i] = System.nanoTime() - start;
			}
			System.out.println("awaitCaughtUp on an idle database over " + calls + " calls: " + figures(durations));
		});
	}

	@Test
	void aBlockedListenerMakesItReturnFalseAtTheTimeout() {
		withSlot("caught_up_blocked").run((context) -> {
			awaitStreaming(context);
			CdcControl control = context.getBean(CdcControl.class);
			Listeners listeners = context.getBean(Listeners.class);
			database.execute("INSERT INTO blocked VALUES (1)");
			try {
				await().atMost(WAIT).until(() -> listeners.blockedEntered.getCount() == 0);
				long start = System.nanoTime();
				assertThat(control.awaitCaughtUp(Duration.ofMillis(500))).isFalse();
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
			}
			finally {
				listeners.release.countDown();
			}
			assertThat(control.awaitCaughtUp(WAIT)).isTrue();
			assertThat(listeners.blockedDone).isTrue();
		});
	}

	@Test
	void whilePausedItWaitsAndReturnsFalseAtTheTimeout() {
		withSlot("caught_up_paused").run((context) -> {
			awaitStreaming(context);
			CdcControl control = context.getBean(CdcControl.class);
			ReplicationEngine engine = context.getBean(ReplicationEngine.class);
			Listeners listeners = context.getBean(Listeners.class);
			engine.pause();
			database.execute("INSERT INTO pings VALUES (1)");
			assertThat(control.awaitCaughtUp(Duration.ofMillis(300))).isFalse();
			assertThat(listeners.pings.get()).isZero();
			engine.resume();
			assertThat(control.awaitCaughtUp(WAIT)).isTrue();
			assertThat(listeners.pings.get()).isEqualTo(1);
		});
	}

	@Test
	void aStoppedEngineReturnsFalseAtOnce() {
		withSlot("caught_up_stopped").run((context) -> {
			awaitStreaming(context);
			context.getBean(ReplicationEngine.class).stop();
			long start = System.nanoTime();
			assertThat(context.getBean(CdcControl.class).awaitCaughtUp(WAIT)).isFalse();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
		});
	}

	@Test
	void aRedisReadModelIsUpToDateWhenItReturns() {
		String slot = "caught_up_redis";
		int port = EmbeddedRedisSupport.shared().port();
		try (RedisClient client = RedisClient.create("redis://localhost:" + port);
				StatefulRedisConnection<String, String> redis = client.connect()) {
			redis.sync().del(slot + ":pings");
			withSlot(slot)
				.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, CdcRedisAutoConfiguration.class))
				.withPropertyValues("spring.data.redis.port=" + port,
						"cdc.redis.mappings.pings.insert[0]=SADD " + slot + ":pings {id}")
				.run((context) -> {
					awaitStreaming(context);
					CdcControl control = context.getBean(CdcControl.class);
					for (int i = 1; i <= 20; i++) {
						database.execute("INSERT INTO pings VALUES (" + (10_000 + i) + ")");
						assertThat(control.awaitCaughtUp(WAIT)).isTrue();
						// read-your-writes: no polling, the read model has the row already
						assertThat(redis.sync().sismember(slot + ":pings", String.valueOf(10_000 + i))).isTrue();
					}
				});
		}
	}

	static void awaitStreaming(ApplicationContext context) {
		ReplicationEngine engine = context.getBean(ReplicationEngine.class);
		await().atMost(WAIT).until(() -> engine.state() == EngineState.STREAMING);
	}

	private static String figures(long[] nanos) {
		long[] sorted = nanos.clone();
		Arrays.sort(sorted);
		return String.format("p50 %.2f ms, p99 %.2f ms, max %.2f ms", millis(sorted[sorted.length / 2]),
				millis(sorted[(int) Math.ceil(sorted.length * 0.99) - 1]), millis(sorted[sorted.length - 1]));
	}

	private static double millis(long nanos) {
		return nanos / 1_000_000.0;
	}

	@Configuration(proxyBeanMethods = false)
	static class Listeners {

		final AtomicInteger pings = new AtomicInteger();

		final List<Integer> keyed = new CopyOnWriteArrayList<>();

		volatile long lastPingFinished;

		volatile long lastKeyedFinished;

		final CountDownLatch blockedEntered = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

		volatile boolean blockedDone;

		@CdcListener(tables = "pings")
		void onPing(ChangeEvent event) {
			this.pings.incrementAndGet();
			this.lastPingFinished = System.nanoTime();
		}

		/** On worker threads of its own: awaitCaughtUp waits for them too. */
		@CdcListener(tables = "pings", concurrency = 4)
		void onPingByKey(ChangeEvent event) {
			this.keyed.add(event.row().get("id", Integer.class));
			this.lastKeyedFinished = System.nanoTime();
		}

		@CdcListener(tables = "blocked")
		void onBlocked(ChangeEvent event) throws InterruptedException {
			this.blockedEntered.countDown();
			this.release.await(60, TimeUnit.SECONDS);
			this.blockedDone = true;
		}

	}

}
