package dev.pgcdc.redis;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;

import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import io.lettuce.core.api.sync.RedisCommands;

import static org.awaitility.Awaitility.await;

/**
 * The order workload of the Redis failover tests: transactions of orders, inserted in parts around a kill, for
 * {@link RedisSinkProcess#counters()} to count ({@code orders:count} and an {@code INCRBY} total per
 * customer, compared with {@link RedisExactlyOnceTests#sqlSums}), and the SIGKILL that ends a master
 * without a word to its replicas.
 */
final class RedisFailoverWorkload {

	static final int TRANSACTIONS = 600;

	static final int ORDERS_EACH = 10;

	static final long ORDERS = (long) TRANSACTIONS * ORDERS_EACH;

	private RedisFailoverWorkload() {
	}

	/**
	 * Insert the transactions numbered {@code from} (inclusive) to {@code to} (exclusive) of the workload,
	 * {@code ordersEach} orders of 50 customers each; the numbers decide customers and amounts, so inserting
	 * a workload in parts gives the same rows as inserting it at once.
	 */
	static void insertOrders(TestDatabase database, int from, int to, int ordersEach) {
		try (Connection connection = database.connect()) {
			connection.setAutoCommit(false);
			try (PreparedStatement statement = connection.prepareStatement(
					"INSERT INTO orders (customer, amount) SELECT (g * 7 + ?) % 50, 1 + (g * 13 + ?) % 100 "
							+ "FROM generate_series(1, ?) g")) {
				for (int t = from; t < to; t++) {
					statement.setInt(1, t);
					statement.setInt(2, t * 3);
					statement.setInt(3, ordersEach);
					statement.executeUpdate();
					connection.commit();
				}
			}
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** SIGKILL a redis-server process: no shutdown, no last words to its replica. */
	static void kill(RedisCommands<String, String> redis) {
		long pid = redis.info("server").lines()
			.filter((line) -> line.startsWith("process_id:"))
			.mapToLong((line) -> Long.parseLong(line.substring("process_id:".length()).trim()))
			.findFirst()
			.orElseThrow();
		ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
		process.destroyForcibly();
		await().atMost(Duration.ofSeconds(10)).until(() -> !process.isAlive());
	}

}
