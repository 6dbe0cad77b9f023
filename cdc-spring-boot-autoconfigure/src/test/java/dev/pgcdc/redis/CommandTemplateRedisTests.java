package dev.pgcdc.redis;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pgcdc.event.Operation;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.ReplicationSettings;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import dev.pgcdc.test.EmbeddedRedisSupport;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The common template commands applied to a real Redis from real changes: an order read model with a hash per
 * order, expiring strings, counters, sorted sets, sets moved on a status change, a stream, pub/sub, a per-order
 * history list and the "last three orders of a customer" list (LREM + LPUSH + LTRIM), kept right when an order
 * moves to another customer and when it is deleted.
 */
class CommandTemplateRedisTests {

	@Test
	void commonCommandsKeepAnOrderReadModel() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("redis_templates");
		database.execute("CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, status text, total numeric(10,2))",
				"ALTER TABLE orders REPLICA IDENTITY FULL");
		int port = EmbeddedRedisSupport.shared().port();
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory(port);
		ReplicationSettings settings = RedisTestSupport.settings(database, "redis_templates");
		RedisSink sink = RedisSinkFactory.create(RedisSinkSettings.defaults(), null,
				List.of(new TableMappingSpec("orders", mapping())), settings, database.dataSource(), factory, null);
		RedisClient pubSubClient = RedisClient.create("redis://localhost:" + port);
		List<String> published = new CopyOnWriteArrayList<>();
		try (StatefulRedisConnection<String, String> client = RedisTestSupport.client(port);
				StatefulRedisPubSubConnection<String, String> pubSub = pubSubClient.connectPubSub()) {
			RedisCommands<String, String> redis = client.sync();
			redis.flushall();
			pubSub.addListener(new RedisPubSubAdapter<>() {
				@Override
				public void message(String pattern, String channel, String message) {
					published.add(channel + " " + message);
				}
			});
			pubSub.sync().psubscribe("orders:*");
			ReplicationEngine engine = RedisTestSupport.engine(settings, List.of(sink));
			sink.start();
			engine.start();
			try {
				database.execute("INSERT INTO orders VALUES (1, 1, 'NEW', 10.00)", "INSERT INTO orders VALUES (2, 1, 'NEW', 20.50)",
						"INSERT INTO orders VALUES (3, 1, 'NEW', 5.25)", "INSERT INTO orders VALUES (4, 1, 'NEW', 1.00)",
						"INSERT INTO orders VALUES (5, 1, 'NEW', 2.00)", "INSERT INTO orders VALUES (6, 2, 'NEW', 7.00)",
						"UPDATE orders SET status = 'PAID', customer_id = 2 WHERE id = 2", "DELETE FROM orders WHERE id = 3");
				await().atMost(Duration.ofSeconds(30)).until(() -> "delete:3;".equals(tail(redis.get("audit"))));

				assertThat(redis.get("audit")).isEqualTo("insert:1;insert:2;insert:3;insert:4;insert:5;insert:6;update:2;delete:3;");
				assertThat(redis.hgetall("order:2")).as("HDEL removed the draft flag")
					.containsExactlyInAnyOrderEntriesOf(Map.of("customer_id", "2", "status", "PAID", "total", "20.50"));
				assertThat(redis.hget("order:1", "draft")).isEqualTo("1");
				assertThat(redis.exists("order:3", "order:3:status", "order:3:json", "order:3:history")).isZero();
				assertThat(redis.get("order:1:status")).isEqualTo("NEW");
				assertThat(redis.ttl("order:1:status")).isBetween(1L, 3600L);
				assertThat(redis.get("order:1:json")).isEqualTo("{\"id\":1,\"status\":\"NEW\"}");
				assertThat(redis.ttl("order:1:json")).isBetween(1L, 3600L);
				assertThat(redis.mget("last:order", "last:customer")).extracting((kv) -> kv.getValue()).containsExactly("6", "2");
				assertThat(redis.get("orders:count")).isEqualTo("6");
				assertThat(redis.get("orders:open")).isEqualTo("5");
				assertThat(redis.get("orders:id-sum")).as("1 + ... + 6 - 3").isEqualTo("18");
				assertThat(redis.hget("customer:1", "orders")).as("5 inserted, 1 deleted").isEqualTo("4");
				assertThat(redis.zrangeWithScores("orders:by-total", 0, -1)).extracting((s) -> s.getValue() + "=" + s.getScore())
					.containsExactly("4=1.0", "5=2.0", "6=7.0", "1=10.0", "2=20.5");
				assertThat(redis.zscore("customers:by-spend", "1")).isEqualTo(38.75);
				assertThat(redis.smembers("status:NEW")).containsExactlyInAnyOrder("1", "4", "5", "6");
				assertThat(redis.smembers("status:PAID")).containsExactly("2");
				assertThat(redis.lrange("order:2:history", 0, -1)).containsExactly("NEW", "PAID");
				assertThat(redis.lrange("customer:1:last", 0, -1)).as("last three, then 3 deleted").containsExactly("5", "4");
				assertThat(redis.lrange("customer:2:last", 0, -1)).as("order 2 moved here").containsExactly("2", "6");
				List<StreamMessage<String, String>> stream = redis.xrange("orders:stream", Range.create("-", "+"));
				assertThat(stream).extracting((m) -> m.getBody().get("op") + ":" + m.getBody().get("id"))
					.containsExactly("insert:1", "insert:2", "insert:3", "insert:4", "insert:5", "insert:6", "delete:3");
				assertThat(redis.xrange("orders:by-id", Range.create("-", "+"))).as("explicit ids, 3-1 deleted")
					.extracting(StreamMessage::getId).containsExactly("1-1", "2-1", "4-1", "5-1", "6-1");
				await().atMost(Duration.ofSeconds(10)).until(() -> published.size() == 8);
				assertThat(published).contains("orders:insert {\"id\":1,\"status\":\"NEW\"}",
						"orders:update {\"id\":2,\"status\":\"PAID\"}", "orders:delete {\"id\":3,\"status\":\"NEW\"}");
			}
			finally {
				engine.stop();
				sink.stop();
				factory.destroy();
				pubSubClient.shutdown();
			}
		}
	}

	@Test
	void theLastOrdersListIsTheSameAfterAReplay() {
		List<CommandTemplate> templates = java.util.stream.Stream.of("LREM customer:{customer_id}:last 0 {id}",
				"LPUSH customer:{customer_id}:last {id}", "LTRIM customer:{customer_id}:last 0 9")
			.map((line) -> CommandTemplate.parse(line, "test", CommandTemplateRenderingTests.TABLE, Operation.INSERT))
			.toList();
		try (StatefulRedisConnection<String, String> client = RedisTestSupport.client(EmbeddedRedisSupport.shared().port())) {
			RedisCommands<String, String> redis = client.sync();
			redis.del("customer:42:last");
			for (long id = 1; id <= 12; id++) {
				dev.pgcdc.event.ChangeEvent event = CommandTemplateRenderingTests.event(Operation.INSERT, null,
						CommandTemplateRenderingTests.row(CommandTemplateRenderingTests.COLUMNS,
								new Object[] { id, 42L, "NEW", null, null, null, null, null }, false));
				// the last transaction is applied twice, as after a crash before its LSN was confirmed
				for (int times = (id == 12) ? 2 : 1; times > 0; times--) {
					templates.forEach((template) -> apply(redis, template.render(event)));
				}
			}
			assertThat(redis.lrange("customer:42:last", 0, -1)).containsExactly("12", "11", "10", "9", "8", "7", "6", "5",
					"4", "3");
		}
	}

	private static void apply(RedisCommands<String, String> redis, RedisCommand command) {
		io.lettuce.core.protocol.CommandArgs<String, String> args = new io.lettuce.core.protocol.CommandArgs<>(
				io.lettuce.core.codec.StringCodec.UTF8);
		for (byte[] arg : command.args()) {
			args.add(arg);
		}
		redis.dispatch(io.lettuce.core.protocol.CommandType.valueOf(command.name()),
				new io.lettuce.core.output.ArrayOutput<>(io.lettuce.core.codec.StringCodec.UTF8), args);
	}

	private static String tail(String audit) {
		return (audit != null && audit.length() >= 9) ? audit.substring(audit.length() - 9) : audit;
	}

	private static Map<Operation, List<CommandSpec>> mapping() {
		Map<Operation, List<CommandSpec>> commands = new EnumMap<>(Operation.class);
		commands.put(Operation.INSERT, specs("HSET order:{id} {pairs:customer_id,status,total}",
				"SETEX order:{id}:status 3600 {status}", "SET order:{id}:json {json:id,status}", "EXPIRE order:{id}:json 3600",
				"MSET last:order {id} last:customer {customer_id}", "INCR orders:count", "INCR orders:open",
				"INCRBY orders:id-sum {id}", "HSET order:{id} draft 1", "XADD orders:by-id {id}-1 status {status}",
				"HINCRBY customer:{customer_id} orders 1", "ZADD orders:by-total {total} {id}",
				"ZINCRBY customers:by-spend {total} {customer_id}", "SADD status:{status} {id}",
				"XADD orders:stream * id {id} op {%op%}", "PUBLISH orders:{%op%} {json:id,status}",
				"LREM customer:{customer_id}:last 0 {id}", "LPUSH customer:{customer_id}:last {id}",
				"LTRIM customer:{customer_id}:last 0 2", "RPUSH order:{id}:history {status}", "APPEND audit '{%op%}:{%pk%};'"));
		commands.put(Operation.UPDATE, specs("HSET order:{id} {pairs:customer_id,status,total}", "HDEL order:{id} draft",
				"SREM status:{old:status} {id}", "SADD status:{status} {id}", "ZADD orders:by-total {total} {id}",
				"RPUSH order:{id}:history {status}", "LREM customer:{old:customer_id}:last 0 {id}",
				"LPUSH customer:{customer_id}:last {id}", "LTRIM customer:{customer_id}:last 0 2",
				"PUBLISH orders:{%op%} {json:id,status}", "APPEND audit '{%op%}:{%pk%};'"));
		commands.put(Operation.DELETE, specs("DEL order:{id} order:{id}:status order:{id}:json order:{id}:history",
				"ZREM orders:by-total {id}", "SREM status:{status} {id}", "LREM customer:{customer_id}:last 0 {id}",
				"HINCRBY customer:{customer_id} orders -1", "DECR orders:open", "DECRBY orders:id-sum {id}", "XDEL orders:by-id {id}-1",
				"XADD orders:stream * id {id} op {%op%}",
				"PUBLISH orders:{%op%} {json:id,status}", "APPEND audit '{%op%}:{%pk%};'"));
		return commands;
	}

	private static List<CommandSpec> specs(String... templates) {
		return java.util.Arrays.stream(templates).map(CommandSpec::of).toList();
	}

}
