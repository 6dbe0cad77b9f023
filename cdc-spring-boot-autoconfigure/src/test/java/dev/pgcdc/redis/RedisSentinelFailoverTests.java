package dev.pgcdc.redis;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.ReplicationSettings;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisSentinel;
import redis.embedded.RedisServer;

import org.springframework.data.redis.connection.RedisSentinelConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Sentinel-managed Redis (one master, one replica, one sentinel, all real {@code redis-server} processes):
 * the master is killed with SIGKILL in the middle of a workload, the sentinel promotes the replica, and the
 * sink, which found the master through the sentinel, finds the promoted one the same way and goes on. At
 * the end the read model equals the table and, with exactly-once, the INCRBY counters equal the SQL sums.
 */
class RedisSentinelFailoverTests {

	private static final String MASTER = "pgcdc";

	@Test
	void sinkFollowsTheFailoverToThePromotedReplicaAndLosesNothing() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("redis_sentinel");
		database.execute(RedisTestSupport.PRODUCTS, RedisTestSupport.MARKER,
				"CREATE TABLE orders (id bigserial PRIMARY KEY, customer int, amount int)");
		int masterPort = freePort();
		int replicaPort = freePort();
		int sentinelPort = freePort();
		RedisServer master = RedisServer.newRedisServer().port(masterPort).setting("save \"\"").setting("appendonly no")
			.build();
		RedisServer replica = RedisServer.newRedisServer().port(replicaPort).setting("save \"\"")
			.setting("appendonly no").setting("replicaof 127.0.0.1 " + masterPort).build();
		RedisSentinel sentinel = RedisSentinel.newRedisSentinel().port(sentinelPort).masterPort(masterPort)
			.masterName(MASTER).quorumSize(1).downAfterMilliseconds(1000).failOverTimeout(3000).build();
		master.start();
		replica.start();
		LettuceConnectionFactory factory = null;
		ReplicationEngine engine = null;
		RedisSink sink = null;
		try (RedisClient clients = RedisClient.create();
				StatefulRedisConnection<String, String> toMaster = clients.connect(uri(masterPort))) {
			await().atMost(Duration.ofSeconds(30))
				.until(() -> toMaster.sync().info("replication").contains("state=online"));
			sentinel.start();
			try (StatefulRedisConnection<String, String> toSentinel = clients.connect(uri(sentinelPort))) {
				await().atMost(Duration.ofSeconds(30)).until(() -> toSentinel.sync()
					.dispatch(io.lettuce.core.protocol.CommandType.SENTINEL, new io.lettuce.core.output.StatusOutput<>(
							io.lettuce.core.codec.StringCodec.UTF8), new io.lettuce.core.protocol.CommandArgs<>(
							io.lettuce.core.codec.StringCodec.UTF8).add("CKQUORUM").add(MASTER))
					.startsWith("OK"));
			}
			RedisSentinelConfiguration configuration = new RedisSentinelConfiguration(MASTER,
					Set.of("127.0.0.1:" + sentinelPort));
			factory = new LettuceConnectionFactory(configuration);
			factory.afterPropertiesSet();
			factory.start();
			ReplicationSettings settings = RedisTestSupport.settings(database, "redis_sentinel")
				.withTables(List.of("products", "marker", "orders"));
			List<TableMappingSpec> mappings = new ArrayList<>(RedisTestSupport.productMappings());
			mappings.add(RedisSinkProcess.counters());
			sink = RedisSinkFactory.create(RedisSinkSettings.defaults().withExactlyOnce(true)
				.withRetry(Duration.ofMillis(100), Duration.ofMillis(500)), null, mappings, settings,
					database.dataSource(), factory, null);
			engine = RedisTestSupport.engine(settings, List.of(sink));
			sink.start();
			engine.start();
			CompletableFuture<Integer> products = CompletableFuture
				.supplyAsync(() -> RedisTestSupport.randomWorkload(database, 17, 12_000, 1_500, 20));
			int third = RedisFailoverWorkload.TRANSACTIONS / 3;
			RedisFailoverWorkload.insertOrders(database, 0, third, RedisFailoverWorkload.ORDERS_EACH);
			await().atMost(Duration.ofSeconds(60))
				.until(() -> RedisExactlyOnceTests.count(toMaster.sync()) >= RedisFailoverWorkload.ORDERS / 3);
			long killedAt = System.nanoTime();
			RedisFailoverWorkload.kill(toMaster.sync());
			// the rest of the orders arrive while the sentinel promotes the replica
			CompletableFuture<Void> orders = CompletableFuture.runAsync(() -> RedisFailoverWorkload.insertOrders(database,
					third, RedisFailoverWorkload.TRANSACTIONS, RedisFailoverWorkload.ORDERS_EACH));
			try (StatefulRedisConnection<String, String> toReplica = clients.connect(uri(replicaPort))) {
				RedisCommands<String, String> redis = toReplica.sync();
				// the sentinel kills client connections of an instance it reconfigures: poll through that
				await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> redis.info("replication").contains("role:master"));
				double promotedAfter = (System.nanoTime() - killedAt) / 1e9;
				products.get();
				orders.get();
				RedisTestSupport.mark(database, 1);
				await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() -> RedisTestSupport.reached(redis, 1));
				int keys = RedisTestSupport.assertRedisEqualsTable(database, redis);
				long sqlOrders = RedisExactlyOnceTests.sqlCount(database);
				assertThat(RedisExactlyOnceTests.count(redis)).as("orders counted once each across the failover")
					.isEqualTo(sqlOrders);
				Map<String, Long> expected = RedisExactlyOnceTests.sqlSums(database);
				Map<String, Long> actual = new HashMap<>();
				for (String key : redis.keys("customer:*:total")) {
					actual.put(key, Long.parseLong(redis.get(key)));
				}
				assertThat(actual).isEqualTo(expected);
				assertThat(sink.statistics().retries()).as("the sink noticed the failover").isPositive();
				System.out.printf("Sentinel failover: master killed, replica promoted after %.1f s; %d products keys "
						+ "and %d orders (%d customers) equal the tables; %d retries%n", promotedAfter, keys, sqlOrders,
						expected.size(), sink.statistics().retries());
			}
		}
		finally {
			if (engine != null) {
				engine.stop();
			}
			if (sink != null) {
				sink.stop();
			}
			if (factory != null) {
				factory.destroy();
			}
			stopQuietly(sentinel::stop);
			stopQuietly(replica::stop);
			stopQuietly(master::stop);
		}
	}

	private static io.lettuce.core.RedisURI uri(int port) {
		return io.lettuce.core.RedisURI.create("127.0.0.1", port);
	}

	private static int freePort() throws Exception {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	private static void stopQuietly(ThrowingRunnable stop) {
		try {
			stop.run();
		}
		catch (Exception ex) {
			// stopping anyway
		}
	}

	private interface ThrowingRunnable {

		void run() throws Exception;

	}

}
