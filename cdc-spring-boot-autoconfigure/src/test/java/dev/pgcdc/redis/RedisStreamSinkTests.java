package dev.pgcdc.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.pgcdc.replication.ChangeConsumer;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.ReplicationSettings;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import dev.pgcdc.test.EmbeddedRedisSupport;
import io.lettuce.core.Consumer;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Redis Streams sink: native and Debezium entries, trimming, the outbox table left out of "every
 * table", and the consumer-group recipe of docs/redis.md.
 */
class RedisStreamSinkTests {

	@Test
	void streamsEveryTableButTheOutboxInBothFormatsForConsumerGroups() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("redis_stream");
		database.execute("CREATE TABLE orders (id int PRIMARY KEY, status text, total numeric(10,2))",
				"CREATE TABLE cdc_outbox (id int PRIMARY KEY, payload text)", "CREATE TABLE bulk (id int PRIMARY KEY)");
		int port = EmbeddedRedisSupport.shared().port();
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory(port);
		ReplicationSettings settings = RedisTestSupport.settings(database, "redis_stream").toBuilder()
			.optInTables(List.of("cdc_outbox"))
			.build();
		List<ChangeConsumer> sinks = new ArrayList<>();
		sinks.add(sink(settings, database, factory, new StreamSpec(List.of(), "cdc.{schema}.{table}", "native", 100_000, "compact")));
		sinks.add(sink(settings, database, factory, new StreamSpec(List.of("orders"), "dbz.{table}", "debezium", 0, "compact")));
		sinks.add(sink(settings, database, factory, new StreamSpec(List.of("orders"), "dbx.{table}", "debezium", 0, "extended")));
		sinks.add(sink(settings, database, factory, new StreamSpec(List.of("bulk"), "small.{table}", "native", 10, "compact")));
		try (StatefulRedisConnection<String, String> client = RedisTestSupport.client(port)) {
			RedisCommands<String, String> redis = client.sync();
			redis.del("cdc.public.orders", "cdc.public.cdc_outbox", "cdc.public.bulk", "dbz.orders", "dbx.orders",
					"small.bulk");
			// the recipe: create the group (and the stream) before the first entry, read with '>', acknowledge
			redis.xgroupCreate(XReadArgs.StreamOffset.from("cdc.public.orders", "0"), "billing",
					io.lettuce.core.XGroupCreateArgs.Builder.mkstream());
			ReplicationEngine engine = RedisTestSupport.engine(settings, sinks);
			sinks.forEach((sink) -> ((RedisSink) sink).start());
			engine.start();
			try {
				database.execute("INSERT INTO orders VALUES (1, 'NEW', 10.50)",
						"UPDATE orders SET status = 'PAID' WHERE id = 1", "DELETE FROM orders WHERE id = 1",
						"INSERT INTO cdc_outbox VALUES (1, 'private')",
						"INSERT INTO bulk SELECT g FROM generate_series(1, 1000) g");
				await().atMost(Duration.ofSeconds(30)).until(() -> redis.xlen("cdc.public.bulk") == 1_000
						&& redis.xlen("dbx.orders") == 3 && redis.exists("small.bulk") == 1);

				List<StreamMessage<String, String>> native_ = redis.xrange("cdc.public.orders", Range.create("-", "+"));
				assertThat(native_).extracting((m) -> m.getBody().get("op")).containsExactly("insert", "update", "delete");
				Map<String, String> insert = native_.get(0).getBody();
				assertThat(insert).containsEntry("table", "public.orders")
					.containsEntry("after", "{\"id\":1,\"status\":\"NEW\",\"total\":10.50}")
					.doesNotContainKey("before")
					.containsKeys("lsn", "commit_lsn", "commit_time", "xid");
				assertThat(native_.get(2).getBody()).containsEntry("before", "{\"id\":1}")
					.doesNotContainKey("after");
				assertThat(redis.exists("cdc.public.cdc_outbox")).as("the outbox table is opt-in").isZero();

				List<StreamMessage<String, String>> compact = redis.xrange("dbz.orders", Range.create("-", "+"));
				assertThat(compact).hasSize(3);
				Map.Entry<String, String> entry = compact.get(0).getBody().entrySet().iterator().next();
				assertThat(entry.getKey()).isEqualTo("{\"id\":1}");
				// numeric(10,2) as Debezium's precise decimal: base64 of the unscaled 1050
				assertThat(entry.getValue()).startsWith("{\"before\":null,\"after\":{\"id\":1,\"status\":\"NEW\",\"total\":\"BBo=\"},"
						+ "\"source\":{\"version\":\"pgcdc\",\"connector\":\"postgresql\",\"name\":\"redis_stream\"")
					.contains("\"schema\":\"public\",\"table\":\"orders\"").contains("\"op\":\"c\"");
				List<StreamMessage<String, String>> extended = redis.xrange("dbx.orders", Range.create("-", "+"));
				assertThat(extended.get(1).getBody()).containsEntry("key", "{\"id\":1}");
				assertThat(extended.get(1).getBody().get("value")).contains("\"op\":\"u\"");
				assertThat(extended.get(2).getBody().get("value")).contains("\"after\":null").contains("\"op\":\"d\"");

				assertThat(redis.xlen("small.bulk")).as("MAXLEN ~ 10 trims the stream").isLessThan(1_000);

				List<StreamMessage<String, String>> read = redis.xreadgroup(Consumer.from("billing", "worker-1"),
						XReadArgs.Builder.count(10), XReadArgs.StreamOffset.lastConsumed("cdc.public.orders"));
				assertThat(read).hasSize(3);
				assertThat(redis.xpending("cdc.public.orders", "billing").getCount()).isEqualTo(3);
				redis.xack("cdc.public.orders", "billing", read.stream().map(StreamMessage::getId).toArray(String[]::new));
				assertThat(redis.xpending("cdc.public.orders", "billing").getCount()).as("all acknowledged").isZero();
			}
			finally {
				engine.stop();
				sinks.forEach((sink) -> ((RedisSink) sink).stop());
				factory.destroy();
			}
		}
	}

	private static RedisSink sink(ReplicationSettings settings, TestDatabase database, LettuceConnectionFactory factory,
			StreamSpec stream) {
		return RedisSinkFactory.create(RedisSinkSettings.defaults(), stream, List.of(), settings, database.dataSource(),
				factory, null);
	}

}
