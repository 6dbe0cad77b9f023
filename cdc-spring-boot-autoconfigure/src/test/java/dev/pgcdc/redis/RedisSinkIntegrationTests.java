package dev.pgcdc.redis;

import java.time.Duration;
import java.util.List;

import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.ReplicationSettings;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import dev.pgcdc.test.EmbeddedRedisSupport;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The command-template sink keeps a Redis read model equal to its table under a random workload.
 */
class RedisSinkIntegrationTests {

	@Test
	void randomWorkloadLeavesRedisEqualToTheTable() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("redis_workload");
		database.execute(RedisTestSupport.PRODUCTS, RedisTestSupport.MARKER);
		int port = EmbeddedRedisSupport.shared().port();
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory(port);
		try (StatefulRedisConnection<String, String> client = RedisTestSupport.client(port)) {
			RedisCommands<String, String> redis = client.sync();
			redis.flushall();
			ReplicationSettings settings = RedisTestSupport.settings(database, "redis_workload")
				.withTables(List.of("products", "marker"));
			RedisSink sink = RedisSinkFactory.create(RedisSinkSettings.defaults(), null,
					RedisTestSupport.productMappings(), settings, database.dataSource(), factory, null);
			ReplicationEngine engine = RedisTestSupport.engine(settings, List.of(sink));
			sink.start();
			engine.start();
			try {
				long started = System.nanoTime();
				int changes = RedisTestSupport.randomWorkload(database, 7, 50_000, 5_000, 50);
				RedisTestSupport.mark(database, 1);
				await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
					.until(() -> RedisTestSupport.reached(redis, 1));
				double seconds = (System.nanoTime() - started) / 1e9;
				int rows = RedisTestSupport.assertRedisEqualsTable(database, redis);
				System.out.printf("Redis workload: %d changes over 5000 ids in %.1f s, %d commands, %d transactions; "
						+ "Redis equals the table (%d rows, every key compared)%n", changes, seconds,
						sink.statistics().commands(), sink.statistics().transactions(), rows);
				assertThat(sink.statistics().deadLetters()).isZero();
			}
			finally {
				engine.stop();
				sink.stop();
				factory.destroy();
			}
		}
	}

}
