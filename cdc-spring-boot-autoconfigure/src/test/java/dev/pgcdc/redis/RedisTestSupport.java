package dev.pgcdc.redis;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import dev.pgcdc.event.Operation;
import dev.pgcdc.event.ValueConverter;
import dev.pgcdc.replication.ChangeConsumer;
import dev.pgcdc.replication.ConnectionSettings;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.ReplicationSettings;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import redis.embedded.RedisServer;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The read model the Redis tests keep in sync (a product hash, a stock sorted set, an active set), the
 * random workload that drives it, and the oracle that compares Redis with the table, key by key.
 */
final class RedisTestSupport {

	static final String PRODUCTS = "CREATE TABLE products (id int PRIMARY KEY, name text, price numeric(10,2), "
			+ "stock int, active boolean, category text)";

	static final String MARKER = "CREATE TABLE marker (id int PRIMARY KEY)";

	private RedisTestSupport() {
	}

	static ReplicationSettings settings(TestDatabase database, String slot) {
		return ReplicationSettings
			.builder(new ConnectionSettings(database.jdbcUrl(), database.username(), database.password()), slot, slot)
			.statusInterval(Duration.ofSeconds(1))
			.heartbeatInterval(Duration.ofSeconds(5))
			.build();
	}

	static LettuceConnectionFactory connectionFactory(int port) {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("localhost", port));
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	/** A client for the test's own reads, separate from the sink's. */
	static StatefulRedisConnection<String, String> client(int port) {
		return RedisClient.create("redis://localhost:" + port).connect();
	}

	/** The e-commerce read model: hash per product, stock sorted set, active set, and the drain marker. */
	static List<TableMappingSpec> productMappings() {
		List<CommandSpec> upsert = List.of(CommandSpec.of("HSET product:{id} {pairs:name,price,stock,active,category}"),
				CommandSpec.of("ZADD stock {stock} {id}"),
				new CommandSpec("SADD active {id}", "#after['active'] == true"),
				new CommandSpec("SREM active {id}", "#after['active'] != true"));
		Map<Operation, List<CommandSpec>> products = new EnumMap<>(Operation.class);
		products.put(Operation.INSERT, upsert);
		products.put(Operation.UPDATE, upsert);
		products.put(Operation.DELETE, List.of(CommandSpec.of("DEL product:{id}"), CommandSpec.of("ZREM stock {id}"),
				CommandSpec.of("SREM active {id}")));
		Map<Operation, List<CommandSpec>> marker = new EnumMap<>(Operation.class);
		marker.put(Operation.INSERT, List.of(CommandSpec.of("SET marker {id}")));
		return List.of(new TableMappingSpec("products", products), new TableMappingSpec("marker", marker));
	}

	/**
	 * Run random inserts, updates and deletes over {@code rows} ids, {@code perTransaction} per transaction.
	 * @return the number of row changes made
	 */
	static int randomWorkload(TestDatabase database, long seed, int operations, int rows, int perTransaction) {
		Random random = new Random(seed);
		Set<Integer> existing = new HashSet<>(existingIds(database));
		int changes = 0;
		try (Connection connection = database.connect()) {
			connection.setAutoCommit(false);
			try (var insert = connection.prepareStatement("INSERT INTO products VALUES (?, ?, ?, ?, ?, ?)");
					var update = connection.prepareStatement(
							"UPDATE products SET name = ?, price = ?, stock = ?, active = ?, category = ? WHERE id = ?");
					var delete = connection.prepareStatement("DELETE FROM products WHERE id = ?")) {
				for (int i = 0; i < operations; i++) {
					int id = 1 + random.nextInt(rows);
					String name = "product " + id + " v" + i;
					java.math.BigDecimal price = java.math.BigDecimal.valueOf(random.nextInt(100_000), 2);
					int stock = random.nextInt(1000);
					boolean active = random.nextBoolean();
					String category = (random.nextInt(10) == 0) ? null : "c" + random.nextInt(20);
					if (!existing.contains(id)) {
						insert.setInt(1, id);
						bind(insert, 2, name, price, stock, active, category);
						insert.executeUpdate();
						existing.add(id);
					}
					else if (random.nextInt(10) < 7) {
						bind(update, 1, name, price, stock, active, category);
						update.setInt(6, id);
						update.executeUpdate();
					}
					else {
						delete.setInt(1, id);
						delete.executeUpdate();
						existing.remove(id);
					}
					changes++;
					if ((i + 1) % perTransaction == 0) {
						connection.commit();
					}
				}
				connection.commit();
			}
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
		return changes;
	}

	private static void bind(java.sql.PreparedStatement statement, int first, String name, java.math.BigDecimal price,
			int stock, boolean active, String category) throws java.sql.SQLException {
		statement.setString(first, name);
		statement.setBigDecimal(first + 1, price);
		statement.setInt(first + 2, stock);
		statement.setBoolean(first + 3, active);
		statement.setString(first + 4, category);
	}

	/** An engine feeding the given sinks that stops on any consumer failure. */
	static ReplicationEngine engine(ReplicationSettings settings, List<? extends ChangeConsumer> sinks) {
		return new ReplicationEngine(settings, List.copyOf(sinks), (consumer, item, failure) -> {
			throw failure;
		}, ValueConverter.simple());
	}

	static List<Integer> existingIds(TestDatabase database) {
		List<Integer> ids = new ArrayList<>();
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT id FROM products")) {
			while (rs.next()) {
				ids.add(rs.getInt(1));
			}
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
		return ids;
	}

	/** Insert a drain marker: once Redis holds it, everything committed before it was applied (commit order). */
	static void mark(TestDatabase database, int marker) {
		database.execute("INSERT INTO marker VALUES (" + marker + ")");
	}

	static boolean reached(RedisClusterCommands<String, String> redis, int marker) {
		try {
			return String.valueOf(marker).equals(redis.get("marker"));
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	/**
	 * Assert that Redis holds exactly the table: every product hash field by field, every stock score, the
	 * active set, and no key of a deleted product.
	 * @return the number of rows compared
	 */
	static int assertRedisEqualsTable(TestDatabase database, RedisClusterCommands<String, String> redis) throws Exception {
		Map<String, Map<String, String>> expected = new HashMap<>();
		Set<String> active = new HashSet<>();
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery(
						"SELECT id, name, price::text, stock, active, category FROM products")) {
			while (rs.next()) {
				String id = rs.getString(1);
				Map<String, String> hash = new HashMap<>();
				hash.put("name", rs.getString(2));
				hash.put("price", rs.getString(3));
				hash.put("stock", rs.getString(4));
				hash.put("active", String.valueOf(rs.getBoolean(5)));
				hash.put("category", (rs.getString(6) != null) ? rs.getString(6) : "");
				expected.put(id, hash);
				if (rs.getBoolean(5)) {
					active.add(id);
				}
			}
		}
		Set<String> productKeys = new HashSet<>(redis.keys("product:*"));
		assertThat(productKeys).as("one hash per row, none for deleted rows").hasSize(expected.size());
		for (Map.Entry<String, Map<String, String>> row : expected.entrySet()) {
			assertThat(redis.hgetall("product:" + row.getKey())).as("hash product:%s", row.getKey())
				.isEqualTo(row.getValue());
			assertThat(redis.zscore("stock", row.getKey())).as("stock score of %s", row.getKey())
				.isEqualTo(Double.parseDouble(row.getValue().get("stock")));
		}
		assertThat(redis.zcard("stock")).as("stock members").isEqualTo(expected.size());
		assertThat(redis.smembers("active")).as("active set").isEqualTo(active);
		return expected.size();
	}

	/** A Redis server of the test's own, persisting every write, that can be stopped and started on its port. */
	static RedisServer persistentServer(int port, Path directory) throws Exception {
		return RedisServer.newRedisServer()
			.port(port)
			.setting("dir " + directory.toAbsolutePath())
			.setting("appendonly yes")
			.setting("appendfsync always")
			.build();
	}

}
