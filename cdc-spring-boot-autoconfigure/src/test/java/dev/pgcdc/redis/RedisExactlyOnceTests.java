package dev.pgcdc.redis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.pgcdc.replication.ConsumerJvm;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import dev.pgcdc.test.EmbeddedRedisSupport;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The consuming JVM killed with SIGKILL three times during a workload of INCRBY counters: with
 * exactly-once the counters equal the SQL sums exactly; without it replays double some of them, which is
 * what at-least-once means and why the fence exists.
 */
class RedisExactlyOnceTests {

	static final int TRANSACTIONS = 1_500;

	static final int ORDERS_EACH = 20;

	@TempDir
	Path dir;

	@Test
	void exactlyOnceCountersEqualTheSqlSumsAfterThreeKills() throws Exception {
		Outcome outcome = killThreeTimes("redis_exactly_once", true);
		System.out.printf("SIGKILL x3 with exactly-once: %d orders, orders:count %d, %d customers compared, "
				+ "0 duplicates%n", outcome.orders, outcome.counted, outcome.expected.size());
		assertThat(outcome.counted).isEqualTo(outcome.orders);
		assertThat(outcome.actual).isEqualTo(outcome.expected);
	}

	@Test
	void withoutExactlyOnceKillsDoubleSomeCounters() throws Exception {
		Outcome outcome = killThreeTimes("redis_at_least_once", false);
		System.out.printf("SIGKILL x3 without exactly-once: %d orders, orders:count %d, %d duplicates "
				+ "(at least once: never fewer)%n", outcome.orders, outcome.counted, outcome.counted - outcome.orders);
		assertThat(outcome.counted).as("nothing lost").isGreaterThanOrEqualTo(outcome.orders);
		assertThat(outcome.counted).as("replays after SIGKILL are applied again").isGreaterThan(outcome.orders);
	}

	private Outcome killThreeTimes(String name, boolean exactlyOnce) throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase(name);
		database.execute("CREATE TABLE orders (id bigserial PRIMARY KEY, customer int, amount int)");
		int port = EmbeddedRedisSupport.shared().port();
		Path log = this.dir.resolve(name + ".log");
		String[] args = { database.jdbcUrl(), name, Integer.toString(port), Boolean.toString(exactlyOnce) };
		try (StatefulRedisConnection<String, String> client = RedisTestSupport.client(port)) {
			RedisCommands<String, String> redis = client.sync();
			for (String key : redis.keys("customer:*")) {
				redis.del(key);
			}
			redis.del("orders:count", "cdc:fence:" + name);
			Process consumer = start(log, args, 1);
			CompletableFuture<Void> workload = CompletableFuture.runAsync(() -> insertOrders(database));
			try {
				long total = (long) TRANSACTIONS * ORDERS_EACH;
				for (int kill = 1; kill <= 3; kill++) {
					long target = total * kill / 5;
					await().atMost(Duration.ofSeconds(120)).until(() -> count(redis) >= target);
					consumer.destroyForcibly().waitFor();
					consumer = start(log, args, kill + 1);
				}
				workload.get();
				long orders = sqlCount(database);
				await().atMost(Duration.ofSeconds(120)).until(() -> count(redis) >= orders
						&& confirmedAll(database, name));
				return new Outcome(orders, count(redis), sqlSums(database), redisSums(redis, database));
			}
			finally {
				consumer.destroyForcibly().waitFor();
			}
		}
	}

	static Process start(Path log, String[] args, int run) throws Exception {
		Files.writeString(log, "--- run " + run + "\n", java.nio.file.StandardOpenOption.CREATE,
				java.nio.file.StandardOpenOption.APPEND);
		long before = Files.readString(log).split("STREAMING", -1).length;
		Process process = ConsumerJvm.start(RedisSinkProcess.class, log, "256m", args);
		await().atMost(Duration.ofSeconds(60))
			.until(() -> !process.isAlive() || Files.readString(log).split("STREAMING", -1).length > before);
		assertThat(process.isAlive()).as("consumer JVM started; log: %s", Files.readString(log)).isTrue();
		return process;
	}

	static void insertOrders(TestDatabase database) {
		RedisFailoverWorkload.insertOrders(database, 0, TRANSACTIONS, ORDERS_EACH);
	}

	static long count(RedisClusterCommands<String, String> redis) {
		String count = redis.get("orders:count");
		return (count != null) ? Long.parseLong(count) : 0;
	}

	/** The slot confirmed the last transaction: no replay of it is still to come. */
	static boolean confirmedAll(TestDatabase database, String slot) throws Exception {
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT confirmed_flush_lsn >= (SELECT max(lsn) FROM "
						+ "(SELECT pg_current_wal_lsn() AS lsn) x) - 1024 FROM pg_replication_slots WHERE slot_name = '"
						+ slot + "'")) {
			return rs.next() && rs.getBoolean(1);
		}
	}

	static long sqlCount(TestDatabase database) throws Exception {
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT count(*) FROM orders")) {
			rs.next();
			return rs.getLong(1);
		}
	}

	static Map<String, Long> sqlSums(TestDatabase database) throws Exception {
		Map<String, Long> sums = new HashMap<>();
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT customer, sum(amount) FROM orders GROUP BY customer")) {
			while (rs.next()) {
				sums.put("customer:" + rs.getInt(1) + ":total", rs.getLong(2));
			}
		}
		return sums;
	}

	static Map<String, Long> redisSums(RedisClusterCommands<String, String> redis, TestDatabase database)
			throws Exception {
		Map<String, Long> sums = new HashMap<>();
		for (String key : redis.keys("customer:*:total")) {
			sums.put(key, Long.parseLong(redis.get(key)));
		}
		return sums;
	}

	private record Outcome(long orders, long counted, Map<String, Long> expected, Map<String, Long> actual) {
	}

}
