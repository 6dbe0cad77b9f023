package dev.pgcdc.redis;

import java.time.Duration;
import java.util.List;

import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.ReplicationSettings;
import dev.pgcdc.replication.Resnapshot;
import dev.pgcdc.replication.SnapshotMode;
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
 * An empty Redis is filled by the initial snapshot, and filled again by an on-demand re-snapshot after it
 * was wiped, while changes keep streaming.
 */
class RedisSnapshotTests {

	@Test
	void initialSnapshotAndResnapshotFillAnEmptyRedis() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("redis_snapshot");
		database.execute(RedisTestSupport.PRODUCTS, RedisTestSupport.MARKER);
		RedisTestSupport.randomWorkload(database, 3, 3_000, 2_000, 500);
		int port = EmbeddedRedisSupport.shared().port();
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory(port);
		ReplicationSettings settings = RedisTestSupport.settings(database, "redis_snapshot").toBuilder()
			.tables(List.of("products", "marker"))
			.snapshot(SnapshotMode.INITIAL, 500)
			.build();
		RedisSink sink = RedisSinkFactory.create(RedisSinkSettings.defaults().withExactlyOnce(true), null,
				RedisTestSupport.productMappings(), settings, database.dataSource(), factory, null);
		ReplicationEngine engine = RedisTestSupport.engine(settings, List.of(sink));
		try (StatefulRedisConnection<String, String> client = RedisTestSupport.client(port)) {
			RedisCommands<String, String> redis = client.sync();
			redis.flushall();
			sink.start();
			engine.start();
			try {
				await().atMost(Duration.ofSeconds(60)).until(() -> engine.state() == EngineState.STREAMING);
				RedisTestSupport.mark(database, 1);
				await().atMost(Duration.ofSeconds(60)).until(() -> RedisTestSupport.reached(redis, 1));
				int rows = RedisTestSupport.assertRedisEqualsTable(database, redis);
				assertThat(rows).isGreaterThan(1_000);

				for (String key : redis.keys("product:*")) {
					redis.del(key);
				}
				redis.del("stock", "active");
				Resnapshot resnapshot = engine.resnapshot(List.of("products"));
				RedisTestSupport.randomWorkload(database, 5, 500, 2_000, 50);
				assertThat(resnapshot.completion().get()).isEqualTo(Resnapshot.Status.DONE);
				RedisTestSupport.mark(database, 2);
				await().atMost(Duration.ofSeconds(60)).until(() -> RedisTestSupport.reached(redis, 2));
				rows = RedisTestSupport.assertRedisEqualsTable(database, redis);
				System.out.printf("Redis snapshot: initial snapshot and re-snapshot each filled an empty Redis; %d rows "
						+ "compared%n", rows);
			}
			finally {
				engine.stop();
				sink.stop();
				factory.destroy();
			}
		}
	}

}
