package dev.pgcdc.redis;

import java.time.Duration;

import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.autoconfigure.CdcRedisAutoConfiguration;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import dev.pgcdc.test.EmbeddedRedisSupport;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Redis sink follows its application context through {@code stop()} and {@code start()}: changes made
 * after the restart reach Redis, with and without exactly-once, and nothing waits for ever in between.
 */
class RedisSinkLifecycleTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, DataRedisAutoConfiguration.class,
				CdcAutoConfiguration.class, CdcRedisAutoConfiguration.class));

	@Test
	void changesAfterContextStopAndStartReachRedis() {
		restartTwice("redis_lifecycle", false);
	}

	@Test
	void changesAfterContextStopAndStartReachRedisWithExactlyOnce() {
		restartTwice("redis_lifecycle_eo", true);
	}

	private void restartTwice(String name, boolean exactlyOnce) {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase(name);
		database.execute("CREATE TABLE items (id int PRIMARY KEY, name text)");
		int port = EmbeddedRedisSupport.shared().port();
		try (StatefulRedisConnection<String, String> client = RedisTestSupport.client(port)) {
			RedisCommands<String, String> redis = client.sync();
			redis.del(name + ":items", "cdc:fence:" + name);
			this.runner.withPropertyValues(database.cdcProperties(name))
				.withPropertyValues("spring.data.redis.port=" + port, "cdc.publication.tables=items",
						"cdc.status-interval=1s", "cdc.application-events.enabled=false",
						"cdc.redis.write.exactly-once=" + exactlyOnce,
						"cdc.redis.mappings.items.insert[0]=SADD " + name + ":items {id}")
				.run((context) -> {
					awaitStreaming(context);
					database.execute("INSERT INTO items VALUES (1, 'before')");
					await().atMost(Duration.ofSeconds(20)).until(() -> redis.sismember(name + ":items", "1"));
					for (int restart = 1; restart <= 2; restart++) {
						context.stop();
						assertThat(context.getBean(RedisSink.class).isRunning()).isFalse();
						// made while stopped: delivered from the slot after the restart
						int whileStopped = restart * 10;
						database.execute("INSERT INTO items VALUES (" + whileStopped + ", 'while stopped')");
						context.start();
						awaitStreaming(context);
						int afterRestart = restart * 10 + 1;
						database.execute("INSERT INTO items VALUES (" + afterRestart + ", 'after restart')");
						await().atMost(Duration.ofSeconds(30))
							.until(() -> redis.sismember(name + ":items", String.valueOf(afterRestart)));
						assertThat(redis.sismember(name + ":items", String.valueOf(whileStopped))).isTrue();
					}
					assertThat(redis.smembers(name + ":items")).containsExactlyInAnyOrder("1", "10", "11", "20", "21");
				});
		}
	}

	private static void awaitStreaming(ConfigurableApplicationContext context) {
		await().atMost(Duration.ofSeconds(30))
			.until(() -> context.getBean(ReplicationEngine.class).state() == EngineState.STREAMING);
	}

}
