package dev.pgcdc.redis;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.pgcdc.event.Lsn;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.ReplicationSettings;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import dev.pgcdc.test.EmbeddedRedisSupport;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.embedded.RedisServer;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis stopped for 20 seconds in the middle of a workload: the sink blocks, confirms nothing it has not
 * applied, and after the restart Redis equals the table, with every change in the stream once and in order.
 */
class RedisOutageTests {

	@TempDir
	Path dir;

	@Test
	void redisDownForTwentySecondsLosesNothingAndKeepsOrder() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("redis_outage");
		database.execute(RedisTestSupport.PRODUCTS, RedisTestSupport.MARKER);
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		RedisServer server = RedisTestSupport.persistentServer(port, this.dir);
		server.start();
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory(port);
		ReplicationSettings settings = RedisTestSupport.settings(database, "redis_outage")
			.withTables(List.of("products", "marker"));
		RedisSinkSettings sinkSettings = RedisSinkSettings.defaults()
			.withExactlyOnce(true)
			.withRetry(Duration.ofMillis(200), Duration.ofSeconds(1));
		StreamSpec stream = new StreamSpec(List.of("products"), "cdc.{schema}.{table}", "native", 0, "compact");
		RedisSink sink = RedisSinkFactory.create(sinkSettings, stream, RedisTestSupport.productMappings(), settings,
				database.dataSource(), factory, null);
		ReplicationEngine engine = RedisTestSupport.engine(settings, List.of(sink));
		sink.start();
		engine.start();
		try {
			CompletableFuture<Integer> workload = CompletableFuture
				.supplyAsync(() -> RedisTestSupport.randomWorkload(database, 11, 30_000, 3_000, 20));
			try (StatefulRedisConnection<String, String> client = RedisTestSupport.client(port)) {
				await().atMost(Duration.ofSeconds(60)).until(() -> client.sync().xlen("cdc.public.products") >= 3_000);
			}
			server.stop();
			long stoppedAt = System.nanoTime();
			await().atMost(Duration.ofSeconds(10)).until(() -> sink.statistics().retries() > 0);
			Lsn appliedWhenDown = sink.appliedLsn();
			// the deliberate outage: 20 s without Redis while PostgreSQL keeps committing
			await().pollDelay(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(21)).until(() -> true);
			assertThat(sink.appliedLsn()).as("nothing applied while Redis is down").isEqualTo(appliedWhenDown);
			Lsn confirmed = Lsn.parse(database.confirmedFlush("redis_outage"));
			assertThat(confirmed).as("nothing confirmed past the last applied transaction")
				.isLessThanOrEqualTo(appliedWhenDown);
			server.start();
			double outage = (System.nanoTime() - stoppedAt) / 1e9;
			int changes = workload.get();
			RedisTestSupport.mark(database, 1);
			try (StatefulRedisConnection<String, String> client = RedisTestSupport.client(port)) {
				RedisCommands<String, String> redis = client.sync();
				await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
					.until(() -> RedisTestSupport.reached(redis, 1));
				int rows = RedisTestSupport.assertRedisEqualsTable(database, redis);
				long entries = assertStreamInCommitOrder(redis, changes);
				System.out.printf("Redis outage: down %.1f s, %d retries, %d changes, stream %d entries in order, "
						+ "%d replays skipped by the fence, Redis equals the table (%d rows)%n", outage,
						sink.statistics().retries(), changes, entries, sink.statistics().replaysSkipped(), rows);
			}
		}
		finally {
			engine.stop();
			sink.stop();
			factory.destroy();
			server.stop();
		}
	}

	@Test
	void outOfMemoryIsRetriedUntilRedisHasRoomAgain() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("redis_oom");
		database.execute(RedisTestSupport.PRODUCTS, RedisTestSupport.MARKER);
		EmbeddedRedisSupport.Server server = EmbeddedRedisSupport.startNew();
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory(server.port());
		ReplicationSettings settings = RedisTestSupport.settings(database, "redis_oom")
			.withTables(List.of("products", "marker"));
		RedisSink sink = RedisSinkFactory.create(RedisSinkSettings.defaults().withExactlyOnce(true)
			.withRetry(Duration.ofMillis(100), Duration.ofMillis(500)), null, RedisTestSupport.productMappings(),
				settings, database.dataSource(), factory, null);
		ReplicationEngine engine = RedisTestSupport.engine(settings, List.of(sink));
		try (StatefulRedisConnection<String, String> client = RedisTestSupport.client(server.port())) {
			RedisCommands<String, String> redis = client.sync();
			// over its memory limit with nothing to evict, Redis refuses every write (OOM) and EXECABORTs the blocks
			redis.configSet("maxmemory", "1");
			sink.start();
			engine.start();
			RedisTestSupport.randomWorkload(database, 13, 2_000, 500, 20);
			RedisTestSupport.mark(database, 1);
			await().atMost(Duration.ofSeconds(30)).until(() -> sink.statistics().retries() >= 3);
			assertThat(redis.dbsize()).as("nothing written while out of memory").isZero();
			redis.configSet("maxmemory", "0");
			await().atMost(Duration.ofSeconds(60)).until(() -> RedisTestSupport.reached(redis, 1));
			RedisTestSupport.assertRedisEqualsTable(database, redis);
			assertThat(sink.statistics().deadLetters()).isZero();
		}
		finally {
			engine.stop();
			sink.stop();
			factory.destroy();
			server.stop();
		}
	}

	/** Every change once, in WAL order: positions strictly increase through the stream. */
	private static long assertStreamInCommitOrder(RedisCommands<String, String> redis, int changes) {
		long entries = 0;
		Lsn last = Lsn.ZERO;
		String from = "-";
		while (true) {
			List<StreamMessage<String, String>> page = redis.xrange("cdc.public.products",
					Range.create(from, "+"), io.lettuce.core.Limit.from(5_000));
			int start = (from.equals("-")) ? 0 : 1;
			for (int i = start; i < page.size(); i++) {
				Lsn lsn = Lsn.parse(page.get(i).getBody().get("lsn"));
				assertThat(lsn).as("entry %d in WAL order", entries).isGreaterThan(last);
				last = lsn;
				entries++;
			}
			if (page.size() <= start) {
				break;
			}
			from = page.get(page.size() - 1).getId();
		}
		assertThat(entries).as("every change in the stream exactly once").isEqualTo(changes);
		return entries;
	}

}
