package dev.pgcdc.redis;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Debezium-format stream entries carry values encoded as Debezium's PostgreSQL connector encodes them, through
 * the whole path: PostgreSQL, the replication stream (column type modifiers from the Relation message), the
 * engine, Redis. The fixtures are the example values of Debezium's documentation (see
 * {@link DebeziumValueEncoderTests}), compared field by field.
 */
class DebeziumStreamValuesTests {

	private static final String TABLE = "CREATE TABLE typed (id int PRIMARY KEY, price numeric(19,4), "
			+ "amount numeric, salary money, born date, alarm time(3), alarm_us time, hired timestamp(3), "
			+ "at timestamp, at_tz timestamptz, at_tz3 timestamptz(3), wake timetz, span interval, content bytea, "
			+ "ref uuid, payload jsonb, doc json, prices numeric(19,4)[], days date[], tags text[], refs uuid[], "
			+ "flag boolean, big bigint, ratio float8, status text, bits bit(3), bit1 bit, vbits varbit)";

	private static final String ROW = "INSERT INTO typed VALUES (1, 200000, 10.50, 1234.56, '2017-09-15', "
			+ "'04:05:11.789', '04:05:11.789', '2019-07-09 00:00:00', '2018-06-20 15:13:16.945104', "
			+ "'2019-07-09 04:28:57.123456+02', '2019-05-03 13:31:34.344+00', '06:05:11.789+02', "
			+ "'1 year 2 mons 3 days 04:05:06.78', '\\x6267f2', '406c07f3-26f0-4eea-a50c-109940064b8f', "
			+ "'{\"id\": 1, \"customerId\": 123, \"orderDate\": \"2019-01-31T12:13:01\"}', '{\"a\": [1, 2]}', "
			+ "'{200000,10}', '{2017-09-15,NULL}', '{a,\"b c\"}', '{406c07f3-26f0-4eea-a50c-109940064b8f}', "
			+ "true, 9007199254740993, 1.5, 'NEW', B'101', B'1', B'1000000001')";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@Test
	void debeziumEntriesCarryDebeziumsValueEncodings() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("redis_dbz_values");
		database.execute(TABLE, "CREATE TABLE audited (id int PRIMARY KEY, note text)",
				"ALTER TABLE audited REPLICA IDENTITY FULL");
		int port = EmbeddedRedisSupport.shared().port();
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory(port);
		ReplicationSettings settings = RedisTestSupport.settings(database, "redis_dbz_values");
		RedisSink defaults = sink(settings, database, factory,
				new StreamSpec(List.of("typed", "audited"), "dbzv.{table}", "debezium", 0, "extended"));
		RedisSink options = sink(settings, database, factory, new StreamSpec(List.of("typed"), "dbzo.{table}",
				"debezium", 0, "extended", "string", "connect", "hex"));
		try (StatefulRedisConnection<String, String> client = RedisTestSupport.client(port)) {
			RedisCommands<String, String> redis = client.sync();
			redis.del("dbzv.typed", "dbzo.typed", "dbzv.audited");
			ReplicationEngine engine = RedisTestSupport.engine(settings, List.of(defaults, options));
			defaults.start();
			options.start();
			engine.start();
			try {
				// the scale follows ALTER TABLE: PostgreSQL announces the new type modifier before the next row
				database.execute(ROW, "DELETE FROM typed WHERE id = 1",
						"ALTER TABLE typed ALTER COLUMN price TYPE numeric(19,2)",
						"INSERT INTO typed (id, price) VALUES (2, 200000)", "INSERT INTO audited VALUES (5, 'x')",
						"DELETE FROM audited WHERE id = 5");
				await().atMost(Duration.ofSeconds(30)).until(() -> redis.xlen("dbzv.typed") == 3
						&& redis.xlen("dbzo.typed") == 3 && redis.xlen("dbzv.audited") == 2);

				// REPLICA IDENTITY FULL marks every column as identity; Debezium keys by the primary key
				List<StreamMessage<String, String>> audited = redis.xrange("dbzv.audited", Range.create("-", "+"));
				assertThat(audited).extracting((m) -> m.getBody().get("key")).containsExactly("{\"id\":5}", "{\"id\":5}");
				assertThat(JSON.readTree(audited.get(1).getBody().get("value")).get("before").toString())
					.isEqualTo("{\"id\":5,\"note\":\"x\"}");

				List<StreamMessage<String, String>> entries = redis.xrange("dbzv.typed", Range.create("-", "+"));
				JsonNode insert = JSON.readTree(entries.get(0).getBody().get("value"));
				assertThat(insert.get("op").stringValue()).isEqualTo("c");
				assertThat(fields(insert.get("after"))).containsExactlyEntriesOf(expectedDefaults());
				assertThat(entries.get(0).getBody()).containsEntry("key", "{\"id\":1}");
				JsonNode delete = JSON.readTree(entries.get(1).getBody().get("value"));
				assertThat(delete.get("after").isNull()).isTrue();
				assertThat(delete.get("before").toString()).isEqualTo("{\"id\":1}");
				JsonNode altered = JSON.readTree(entries.get(2).getBody().get("value"));
				assertThat(altered.get("after").get("price").toString()).as("200000 at scale 2").isEqualTo("\"ATEtAA==\"");

				JsonNode other = JSON.readTree(redis.xrange("dbzo.typed", Range.create("-", "+")).get(0).getBody().get("value"));
				Map<String, String> after = fields(other.get("after"));
				assertThat(after).containsEntry("price", "\"200000.0000\"")
					.containsEntry("amount", "\"10.50\"")
					.containsEntry("salary", "\"1234.56\"")
					.containsEntry("alarm_us", "14711789")
					.containsEntry("at", "1529507596945")
					.containsEntry("content", "\"6267f2\"")
					.containsEntry("prices", "[\"200000.0000\",\"10.0000\"]");
			}
			finally {
				engine.stop();
				defaults.stop();
				options.stop();
				factory.destroy();
			}
		}
	}

	private static Map<String, String> expectedDefaults() {
		Map<String, String> expected = new LinkedHashMap<>();
		expected.put("id", "1");
		expected.put("price", "\"dzWUAA==\"");
		expected.put("amount", "{\"scale\":1,\"value\":\"aQ==\"}");
		expected.put("salary", "\"AeJA\"");
		expected.put("born", "17424");
		expected.put("alarm", "14711789");
		expected.put("alarm_us", "14711789000");
		expected.put("hired", "1562630400000");
		expected.put("at", "1529507596945104");
		expected.put("at_tz", "\"2019-07-09T02:28:57.123456Z\"");
		expected.put("at_tz3", "\"2019-05-03T13:31:34.344Z\"");
		expected.put("wake", "\"04:05:11.789Z\"");
		expected.put("span", "37091106780000");
		expected.put("content", "\"Ymfy\"");
		expected.put("ref", "\"406c07f3-26f0-4eea-a50c-109940064b8f\"");
		// jsonb as PostgreSQL normalizes it (keys by length), a string as Debezium's io.debezium.data.Json
		expected.put("payload", JSON.writeValueAsString("{\"id\": 1, \"orderDate\": \"2019-01-31T12:13:01\", \"customerId\": 123}"));
		expected.put("doc", JSON.writeValueAsString("{\"a\": [1, 2]}"));
		expected.put("prices", "[\"dzWUAA==\",\"AYag\"]");
		expected.put("days", "[17424,null]");
		expected.put("tags", "[\"a\",\"b c\"]");
		expected.put("refs", "[\"406c07f3-26f0-4eea-a50c-109940064b8f\"]");
		expected.put("flag", "true");
		expected.put("big", "9007199254740993");
		expected.put("ratio", "1.5");
		expected.put("status", "\"NEW\"");
		expected.put("bits", "\"BQ==\"");
		expected.put("bit1", "true");
		expected.put("vbits", "\"AQI=\"");
		return expected;
	}

	/** Each field of a JSON object as its JSON text, in order. */
	private static Map<String, String> fields(JsonNode object) {
		Map<String, String> fields = new LinkedHashMap<>();
		object.properties().forEach((field) -> fields.put(field.getKey(), field.getValue().toString()));
		return fields;
	}

	private static RedisSink sink(ReplicationSettings settings, TestDatabase database, LettuceConnectionFactory factory,
			StreamSpec stream) {
		return RedisSinkFactory.create(RedisSinkSettings.defaults(), stream, List.of(), settings, database.dataSource(),
				factory, null);
	}

}
