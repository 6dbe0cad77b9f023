package dev.pgcdc.redis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.ReplicationSettings;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Redis sinks on a real Redis Cluster of three masters ({@link RedisClusterSupport}): a transaction's
 * commands go out grouped by hash slot, one {@code MULTI}/{@code EXEC} per slot on its master. The random
 * workload leaves the cluster equal to the table; with exactly-once the per-slot fences keep INCRBY counters
 * equal to the SQL sums across three SIGKILLs of the application and across a slot migrated while streaming.
 */
class RedisClusterTests {

	@RegisterExtension
	static final RedisClusterSupport cluster = new RedisClusterSupport();

	@TempDir
	Path dir;

	@Test
	void randomWorkloadLeavesTheClusterEqualToTheTable() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("redis_cluster_workload");
		database.execute(RedisTestSupport.PRODUCTS, RedisTestSupport.MARKER);
		cluster.flushAll();
		LettuceConnectionFactory factory = cluster.connectionFactory();
		RedisClusterClient client = cluster.client();
		try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
			RedisAdvancedClusterCommands<String, String> redis = connection.sync();
			ReplicationSettings settings = RedisTestSupport.settings(database, "redis_cluster_workload")
				.withTables(List.of("products", "marker"));
			RedisSink sink = RedisSinkFactory.create(RedisSinkSettings.defaults(), null,
					RedisTestSupport.productMappings(), settings, database.dataSource(), factory, null);
			ReplicationEngine engine = RedisTestSupport.engine(settings, List.of(sink));
			sink.start();
			engine.start();
			try {
				long started = System.nanoTime();
				int changes = RedisTestSupport.randomWorkload(database, 7, 20_000, 2_000, 50);
				RedisTestSupport.mark(database, 1);
				await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
					.until(() -> RedisTestSupport.reached(redis, 1));
				double seconds = (System.nanoTime() - started) / 1e9;
				int rows = RedisTestSupport.assertRedisEqualsTable(database, redis);
				Map<Integer, Long> keysPerNode = new java.util.TreeMap<>();
				for (int i = 0; i < cluster.ports().size(); i++) {
					try (var node = cluster.node(i)) {
						keysPerNode.put(i, node.sync().dbsize());
					}
				}
				assertThat(keysPerNode.values()).as("keys on every master").allMatch((keys) -> keys > 0);
				System.out.printf("Redis Cluster workload: %d changes over 2000 ids in %.1f s, %d commands, %d "
						+ "transactions; the cluster equals the table (%d rows, keys per node %s)%n", changes, seconds,
						sink.statistics().commands(), sink.statistics().transactions(), rows, keysPerNode);
				assertThat(sink.statistics().deadLetters()).isZero();
			}
			finally {
				engine.stop();
				sink.stop();
				factory.destroy();
			}
		}
		finally {
			client.shutdown();
		}
	}

	@Test
	void streamsWithAHashTagInTheKeyKeepEveryChangeInOrder() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("redis_cluster_stream");
		database.execute("CREATE TABLE orders (id int PRIMARY KEY, status text)", "CREATE TABLE bulk (id int PRIMARY KEY)");
		cluster.flushAll();
		LettuceConnectionFactory factory = cluster.connectionFactory();
		RedisClusterClient client = cluster.client();
		ReplicationSettings settings = RedisTestSupport.settings(database, "redis_cluster_stream");
		RedisSink sink = RedisSinkFactory.create(RedisSinkSettings.defaults().withExactlyOnce(true),
				new StreamSpec(List.of(), "cdc:{{{table}}}:changes", "native", 0, "compact"), List.of(), settings,
				database.dataSource(), factory, null);
		ReplicationEngine engine = RedisTestSupport.engine(settings, List.of(sink));
		try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
			RedisAdvancedClusterCommands<String, String> redis = connection.sync();
			sink.start();
			engine.start();
			database.execute("INSERT INTO orders VALUES (1, 'NEW')", "UPDATE orders SET status = 'PAID' WHERE id = 1",
					"DELETE FROM orders WHERE id = 1", "INSERT INTO bulk SELECT g FROM generate_series(1, 1000) g");
			await().atMost(Duration.ofSeconds(30)).until(() -> redis.xlen("cdc:{bulk}:changes") == 1_000);
			assertThat(SlotHash.getSlot("cdc:{orders}:changes")).as("the hash tag decides the slot")
				.isEqualTo(SlotHash.getSlot("orders"));
			List<io.lettuce.core.StreamMessage<String, String>> orders = redis.xrange("cdc:{orders}:changes",
					io.lettuce.core.Range.create("-", "+"));
			assertThat(orders).extracting((m) -> m.getBody().get("op")).containsExactly("insert", "update", "delete");
			List<String> bulk = redis.xrange("cdc:{bulk}:changes", io.lettuce.core.Range.create("-", "+")).stream()
				.map((m) -> m.getBody().get("after"))
				.toList();
			assertThat(bulk).hasSize(1_000).first().isEqualTo("{\"id\":1}");
			assertThat(bulk.get(999)).isEqualTo("{\"id\":1000}");
		}
		finally {
			engine.stop();
			sink.stop();
			factory.destroy();
			client.shutdown();
		}
	}

	@Test
	void exactlyOnceCountersEqualTheSqlSumsAfterThreeKills() throws Exception {
		String name = "redis_cluster_exactly_once";
		TestDatabase database = EmbeddedPostgresSupport.createDatabase(name);
		database.execute("CREATE TABLE orders (id bigserial PRIMARY KEY, customer int, amount int)");
		cluster.flushAll();
		Path log = this.dir.resolve(name + ".log");
		String ports = cluster.ports().stream().map(String::valueOf).collect(Collectors.joining(","));
		String[] args = { database.jdbcUrl(), name, ports, "true" };
		RedisClusterClient client = cluster.client();
		try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
			RedisAdvancedClusterCommands<String, String> redis = connection.sync();
			Process consumer = RedisExactlyOnceTests.start(log, args, 1);
			CompletableFuture<Void> workload = CompletableFuture.runAsync(() -> RedisExactlyOnceTests.insertOrders(database));
			try {
				long total = (long) RedisExactlyOnceTests.TRANSACTIONS * RedisExactlyOnceTests.ORDERS_EACH;
				for (int kill = 1; kill <= 3; kill++) {
					long target = total * kill / 5;
					await().atMost(Duration.ofSeconds(120)).until(() -> RedisExactlyOnceTests.count(redis) >= target);
					consumer.destroyForcibly().waitFor();
					consumer = RedisExactlyOnceTests.start(log, args, kill + 1);
				}
				workload.get();
				long orders = RedisExactlyOnceTests.sqlCount(database);
				await().atMost(Duration.ofSeconds(120)).until(() -> RedisExactlyOnceTests.count(redis) >= orders
						&& RedisExactlyOnceTests.confirmedAll(database, name));
				Map<String, Long> expected = RedisExactlyOnceTests.sqlSums(database);
				long fences = redis.keys("cdc:fence:" + name + ":{*").size();
				System.out.printf("Redis Cluster SIGKILL x3 with exactly-once: %d orders, orders:count %d, %d customers "
						+ "compared, %d slot fences%n", orders, RedisExactlyOnceTests.count(redis), expected.size(), fences);
				assertThat(RedisExactlyOnceTests.count(redis)).isEqualTo(orders);
				assertThat(RedisExactlyOnceTests.redisSums(redis, database)).isEqualTo(expected);
				assertThat(fences).as("one fence per slot written").isGreaterThan(1);
				assertThat(Files.readString(log)).doesNotContain("Exception in thread");
			}
			finally {
				consumer.destroyForcibly().waitFor();
			}
		}
		finally {
			client.shutdown();
		}
	}

	@Test
	void slotMigratedWhileStreamingLosesAndDoublesNothing() throws Exception {
		String name = "redis_cluster_resharding";
		TestDatabase database = EmbeddedPostgresSupport.createDatabase(name);
		database.execute("CREATE TABLE orders (id bigserial PRIMARY KEY, customer int, amount int)");
		cluster.flushAll();
		LettuceConnectionFactory factory = cluster.connectionFactory();
		RedisClusterClient client = cluster.client();
		ReplicationEngine engine = null;
		RedisSink sink = null;
		try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
			RedisAdvancedClusterCommands<String, String> redis = connection.sync();
			ReplicationSettings settings = RedisTestSupport.settings(database, name).withTables(List.of("orders"));
			sink = RedisSinkFactory.create(RedisSinkSettings.defaults().withExactlyOnce(true), null,
					List.of(RedisSinkProcess.counters()), settings, database.dataSource(), factory, null);
			engine = RedisTestSupport.engine(settings, List.of(sink));
			sink.start();
			engine.start();
			CompletableFuture<Void> workload = CompletableFuture.runAsync(() -> RedisExactlyOnceTests.insertOrders(database));
			long total = (long) RedisExactlyOnceTests.TRANSACTIONS * RedisExactlyOnceTests.ORDERS_EACH;
			await().atMost(Duration.ofSeconds(60)).until(() -> RedisExactlyOnceTests.count(redis) >= total / 5);
			// the slot every transaction writes (orders:count), with its fence: moved key by key while streaming
			int slot = SlotHash.getSlot("orders:count");
			int from = cluster.owner(slot);
			int to = (from + 1) % cluster.ports().size();
			List<Long> seenBetween = new ArrayList<>();
			int moved = cluster.migrateSlot(slot, from, to, () -> {
				long before = RedisExactlyOnceTests.count(redis);
				seenBetween.add(before);
				await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
					.until(() -> RedisExactlyOnceTests.count(redis) > before || workload.isDone());
			});
			assertThat(cluster.owner(slot)).isEqualTo(to);
			workload.get();
			long orders = RedisExactlyOnceTests.sqlCount(database);
			await().atMost(Duration.ofSeconds(120)).until(() -> RedisExactlyOnceTests.count(redis) >= orders
					&& RedisExactlyOnceTests.confirmedAll(database, name));
			Map<String, Long> expected = RedisExactlyOnceTests.sqlSums(database);
			System.out.printf("Redis Cluster resharding: slot %d moved from node %d to %d (%d keys, one at a time, "
					+ "the sink writing between them: %s) while streaming; %d slot blocks redirected; %d orders counted "
					+ "once each, %d customers%n", slot, from, to, moved, seenBetween, sink.statistics().redirections(),
					orders, expected.size());
			assertThat(sink.statistics().redirections()).as("the sink followed MOVED/ASK").isPositive();
			SimpleMeterRegistry registry = new SimpleMeterRegistry();
			new RedisSinkMetrics(sink).bindTo(registry);
			assertThat(registry.get("cdc.redis.redirections").functionCounter().count())
				.isEqualTo((double) sink.statistics().redirections());
			assertThat(moved).as("orders:count and its slot's fence migrated").isGreaterThanOrEqualTo(2);
			assertThat(RedisExactlyOnceTests.count(redis)).isEqualTo(orders);
			assertThat(RedisExactlyOnceTests.redisSums(redis, database)).isEqualTo(expected);
		}
		finally {
			if (engine != null) {
				engine.stop();
			}
			if (sink != null) {
				sink.stop();
			}
			factory.destroy();
			client.shutdown();
		}
	}

}
