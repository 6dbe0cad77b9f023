package dev.pgcdc.redis;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.ReplicationSettings;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A failover inside a Redis Cluster: three masters, the first with a replica ({@link RedisClusterSupport});
 * the first master is killed with SIGKILL in the middle of an {@code INCRBY} workload with exactly-once on,
 * the cluster promotes its replica (after {@code cluster-node-timeout}, 5 s), and the sink, which keeps
 * retrying the slots it cannot reach, finds the promoted master and goes on. Afterwards the counters equal
 * the SQL sums: nothing lost, nothing counted twice.
 */
class RedisClusterFailoverTests {

	@RegisterExtension
	static final RedisClusterSupport cluster = new RedisClusterSupport().withReplica();

	@Test
	void sinkFollowsAReplicaPromotedInsideTheClusterAndLosesNothing() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("redis_cluster_failover");
		database.execute("CREATE TABLE orders (id bigserial PRIMARY KEY, customer int, amount int)");
		LettuceConnectionFactory factory = cluster.connectionFactory();
		ReplicationSettings settings = RedisTestSupport.settings(database, "redis_cluster_failover")
			.withTables(List.of("orders"));
		RedisSink sink = RedisSinkFactory.create(RedisSinkSettings.defaults().withExactlyOnce(true)
			.withRetry(Duration.ofMillis(100), Duration.ofMillis(500)), null, List.of(RedisSinkProcess.counters()),
				settings, database.dataSource(), factory, null);
		ReplicationEngine engine = RedisTestSupport.engine(settings, List.of(sink));
		try (StatefulRedisConnection<String, String> master = cluster.node(0);
				StatefulRedisConnection<String, String> replica = cluster.node(3)) {
			sink.start();
			engine.start();
			int third = RedisFailoverWorkload.TRANSACTIONS / 3;
			RedisFailoverWorkload.insertOrders(database, 0, third, RedisFailoverWorkload.ORDERS_EACH);
			await().atMost(Duration.ofSeconds(60))
				.until(() -> sink.statistics().transactions() >= RedisFailoverWorkload.TRANSACTIONS / 3);
			long killedAt = System.nanoTime();
			RedisFailoverWorkload.kill(master.sync());
			// the rest of the orders arrive while the cluster promotes the replica
			CompletableFuture<Void> orders = CompletableFuture.runAsync(() -> RedisFailoverWorkload.insertOrders(database,
					third, RedisFailoverWorkload.TRANSACTIONS, RedisFailoverWorkload.ORDERS_EACH));
			await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
				.until(() -> replica.sync().info("replication").contains("role:master"));
			double promotedAfter = (System.nanoTime() - killedAt) / 1e9;
			orders.get();
			long sqlOrders = RedisExactlyOnceTests.sqlCount(database);
			Map<String, Long> expected = RedisExactlyOnceTests.sqlSums(database);
			// a client of its own, made after the failover, so that its slot map names the promoted master
			RedisClusterClient client = cluster.client();
			try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
				RedisAdvancedClusterCommands<String, String> redis = connection.sync();
				await().atMost(Duration.ofSeconds(120)).ignoreExceptions()
					.until(() -> RedisExactlyOnceTests.count(redis) == sqlOrders);
				Map<String, Long> actual = new HashMap<>();
				for (String key : expected.keySet()) {
					String total = redis.get(key);
					actual.put(key, (total != null) ? Long.parseLong(total) : null);
				}
				assertThat(actual).as("the totals per customer").isEqualTo(expected);
				assertThat(sink.statistics().retries()).as("the sink noticed the failover").isPositive();
				System.out.printf("Redis Cluster failover: master killed, replica promoted after %.1f s; %d orders "
						+ "(%d customers) counted once each; %d retries%n", promotedAfter, sqlOrders, expected.size(),
						sink.statistics().retries());
			}
			finally {
				client.shutdown();
			}
		}
		finally {
			engine.stop();
			sink.stop();
			factory.destroy();
		}
	}

}
