package dev.pgcdc.redis;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.pgcdc.event.Operation;
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
 * A Redis mapping that names a partitioned table keeps Redis equal to the table, across its partitions, a
 * partition created while streaming, and rows moved between partitions.
 */
class RedisPartitionedTableTests {

	@Test
	void mappingOnTheParentKeepsRedisEqualToThePartitionedTable() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("redis_partitions");
		database.execute(RedisTestSupport.MARKER,
				"CREATE TABLE readings (id int, day date NOT NULL, value int, PRIMARY KEY (id, day)) PARTITION BY RANGE (day)",
				"CREATE TABLE readings_01 PARTITION OF readings FOR VALUES FROM ('2026-01-01') TO ('2026-02-01')",
				"CREATE TABLE readings_02 PARTITION OF readings FOR VALUES FROM ('2026-02-01') TO ('2026-03-01')");
		int port = EmbeddedRedisSupport.shared().port();
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory(port);
		try (StatefulRedisConnection<String, String> client = RedisTestSupport.client(port)) {
			RedisCommands<String, String> redis = client.sync();
			List<String> stale = redis.keys("reading:*");
			if (!stale.isEmpty()) {
				redis.del(stale.toArray(String[]::new));
			}
			redis.del("marker");
			ReplicationSettings settings = RedisTestSupport.settings(database, "redis_partitions")
				.withTables(List.of("readings", "marker"));
			RedisSink sink = RedisSinkFactory.create(RedisSinkSettings.defaults(), null, mappings(), settings,
					database.dataSource(), factory, null);
			ReplicationEngine engine = RedisTestSupport.engine(settings, List.of(sink));
			sink.start();
			engine.start();
			try {
				database.execute("INSERT INTO readings SELECT g, DATE '2026-01-01' + (g % 59), g FROM generate_series(1, 200) g",
						"CREATE TABLE readings_03 PARTITION OF readings FOR VALUES FROM ('2026-03-01') TO ('2026-04-01')",
						"INSERT INTO readings SELECT g, DATE '2026-03-01' + (g % 30), g FROM generate_series(201, 300) g",
						// moves rows from January and February to March
						"UPDATE readings SET day = DATE '2026-03-15', value = value + 1000 WHERE id % 3 = 0 AND id <= 200",
						"UPDATE readings SET value = value + 1 WHERE id % 5 = 0",
						"DELETE FROM readings WHERE id % 7 = 0");
				RedisTestSupport.mark(database, 1);
				await().atMost(Duration.ofSeconds(60)).until(() -> RedisTestSupport.reached(redis, 1));
				Map<String, Map<String, String>> expected = table(database);
				assertThat(redis.keys("reading:*")).hasSize(expected.size());
				expected.forEach((key, hash) -> assertThat(redis.hgetall(key)).as(key).isEqualTo(hash));
				assertThat(sink.statistics().deadLetters()).isZero();
			}
			finally {
				engine.stop();
				sink.stop();
				factory.destroy();
			}
		}
	}

	private static List<TableMappingSpec> mappings() {
		Map<Operation, List<CommandSpec>> readings = new EnumMap<>(Operation.class);
		readings.put(Operation.INSERT, List.of(CommandSpec.of("HSET reading:{id} {pairs:day,value}")));
		readings.put(Operation.UPDATE, List.of(CommandSpec.of("HSET reading:{id} {pairs:day,value}")));
		readings.put(Operation.DELETE, List.of(CommandSpec.of("DEL reading:{id}")));
		Map<Operation, List<CommandSpec>> marker = new EnumMap<>(Operation.class);
		marker.put(Operation.INSERT, List.of(CommandSpec.of("SET marker {id}")));
		return List.of(new TableMappingSpec("readings", readings), new TableMappingSpec("marker", marker));
	}

	private static Map<String, Map<String, String>> table(TestDatabase database) throws Exception {
		Map<String, Map<String, String>> rows = new HashMap<>();
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT id, day::text, value FROM readings")) {
			while (rs.next()) {
				rows.put("reading:" + rs.getInt(1), Map.of("day", rs.getString(2), "value", rs.getString(3)));
			}
		}
		return rows;
	}

}
