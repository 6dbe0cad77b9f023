package dev.pgcdc.autoconfigure;

import java.time.Duration;
import java.util.List;

import dev.pgcdc.listener.DeadLetter;
import dev.pgcdc.listener.DeadLetters;
import dev.pgcdc.redis.RedisSink;
import dev.pgcdc.redis.RedisSinkFactory;
import dev.pgcdc.redis.RedisSinkMetrics;
import dev.pgcdc.redis.RedisSinkSettings;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.ReplicationSettings;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import dev.pgcdc.test.EmbeddedRedisSupport;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every condition of {@link CdcRedisAutoConfiguration}, the sink reaching the engine through it, the
 * dead-letter policy for refused commands, and the start-up failures of a wrong configuration, each naming
 * the mapping or property and the fix.
 */
class CdcRedisAutoConfigurationTests {

	private static TestDatabase database;

	private static StatefulRedisConnection<String, String> client;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, DataRedisAutoConfiguration.class,
				CdcAutoConfiguration.class, CdcRedisAutoConfiguration.class));

	@BeforeAll
	static void createDatabase() {
		database = EmbeddedPostgresSupport.createDatabase("redis_autoconfig");
		database.execute("CREATE TABLE products (id int PRIMARY KEY, name text, active boolean)",
				"CREATE TABLE audit (id int PRIMARY KEY, note text)");
		client = RedisClient.create("redis://localhost:" + EmbeddedRedisSupport.shared().port()).connect();
	}

	@AfterAll
	static void closeClient() {
		client.close();
	}

	private ApplicationContextRunner withDatabase(String slot) {
		return this.runner.withPropertyValues(database.cdcProperties(slot))
			.withPropertyValues("spring.data.redis.port=" + EmbeddedRedisSupport.shared().port(),
					"cdc.publication.tables=products,audit", "cdc.status-interval=1s",
					"cdc.application-events.enabled=false");
	}

	@Test
	void backsOffWithoutAnySinkConfigured() {
		withDatabase("redis_none").run((context) -> assertThat(context).hasNotFailed()
			.doesNotHaveBean(RedisSink.class)
			.doesNotHaveBean(CdcRedisProperties.class));
	}

	@Test
	void backsOffWithoutSpringDataRedis() {
		// Boot's own Redis auto-configuration cannot run without Spring Data Redis either
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, CdcAutoConfiguration.class,
					CdcRedisAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader(RedisConnectionFactory.class))
			.withPropertyValues(database.cdcProperties("redis_noclass"))
			.withPropertyValues("cdc.redis.stream.enabled=true")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RedisSink.class));
	}

	@Test
	void backsOffWithoutARedisConnectionFactory() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, CdcAutoConfiguration.class,
					CdcRedisAutoConfiguration.class))
			.withPropertyValues(database.cdcProperties("redis_nofactory"))
			.withPropertyValues("cdc.redis.stream.enabled=true")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RedisSink.class));
	}

	@Test
	void backsOffWhenCaptureIsDisabled() {
		withDatabase("redis_disabled").withPropertyValues("cdc.enabled=false", "cdc.redis.stream.enabled=true")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RedisSink.class));
	}

	@Test
	void userSinkReplacesOurs() {
		withDatabase("redis_user").withUserConfiguration(UserSink.class)
			.withPropertyValues("cdc.redis.stream.enabled=true")
			.run((context) -> assertThat(context).hasSingleBean(RedisSink.class).getBean("userSink").isNotNull());
	}

	@Test
	void mappingsInBothFormsReachTheEngineAndRedis() {
		client.sync().del("product:1", "active", "product:2");
		withDatabase("redis_mapped").withPropertyValues(
				"cdc.redis.mappings.products.insert[0]=HSET product:{id} {pairs:*}",
				"cdc.redis.mappings.products.insert[1].command=SADD active {id}",
				"cdc.redis.mappings.products.insert[1].condition=#after['active'] == true",
				"cdc.redis.mappings.products.delete[0]=DEL product:{id}")
			.run((context) -> {
				assertThat(context).hasSingleBean(RedisSink.class).hasSingleBean(RedisSinkMetrics.class);
				awaitStreaming(context);
				database.execute("INSERT INTO products VALUES (1, 'lamp', true), (2, 'desk', false)");
				RedisCommands<String, String> redis = client.sync();
				await().atMost(Duration.ofSeconds(20)).until(() -> redis.exists("product:2") == 1);
				assertThat(redis.hgetall("product:1")).containsEntry("name", "lamp").containsEntry("active", "true");
				assertThat(redis.smembers("active")).containsExactly("1");
				database.execute("DELETE FROM products WHERE id = 1");
				await().atMost(Duration.ofSeconds(20)).until(() -> redis.exists("product:1") == 0);
				database.execute("DELETE FROM products");
			});
	}

	@Test
	void refusedCommandsGoToTheDeadLetterTableAndTheStreamGoesOn() {
		RedisCommands<String, String> redis = client.sync();
		redis.set("audit:notes", "a string, not a set");
		redis.del("audit:last");
		withDatabase("redis_wrongtype").withPropertyValues("cdc.redis.mappings.audit.insert[0]=SADD audit:notes {note}",
				"cdc.redis.mappings.audit.insert[1]=SET audit:last {id}")
			.run((context) -> {
				awaitStreaming(context);
				database.execute("INSERT INTO audit VALUES (1, 'first')");
				DeadLetters deadLetters = context.getBean(DeadLetters.class);
				await().atMost(Duration.ofSeconds(20)).until(() -> !deadLetters.pending(10).isEmpty());
				DeadLetter letter = deadLetters.pending(10).get(0);
				assertThat(letter.listenerId()).isEqualTo("redis-sink");
				assertThat(letter.exception()).contains("WRONGTYPE").contains("SADD audit:notes first")
					.contains("cdc.redis.mappings.audit.insert[0]");
				assertThat(letter.changes()).hasSize(1);
				database.execute("INSERT INTO audit VALUES (2, 'second')");
				await().atMost(Duration.ofSeconds(20)).until(() -> "2".equals(redis.get("audit:last")));
				// Redis ran the block before the writer read its EXEC reply and stored the dead letter
				await().atMost(Duration.ofSeconds(20))
					.untilAsserted(() -> assertThat(context.getBean(RedisSink.class).statistics().deadLetters()).isEqualTo(2));
				database.execute("DELETE FROM audit");
			});
	}

	@Test
	void unknownPlaceholderFailsStartupNamingTheMapping() {
		assertStartupFails("cdc.redis.mappings.products.insert[0]=SET product:{%id%} {name}",
				"cdc.redis.mappings.products.insert[0] uses the unknown placeholder {%id%}", "{%pk%}");
	}

	@Test
	void unknownCommandFailsStartupNamingTheMapping() {
		assertStartupFails("cdc.redis.mappings.products.update[0]=FLUSHALL",
				"cdc.redis.mappings.products.update[0] uses the command FLUSHALL", "use one of APPEND, DECR");
	}

	@Test
	void unknownColumnFailsStartupListingTheColumns() {
		assertStartupFails("cdc.redis.mappings.products.insert[0]=HSET product:{id} price {price}",
				"cdc.redis.mappings.products.insert[0] uses {price}, but public.products has no column 'price'",
				"[id, name, active]");
	}

	@Test
	void wrongArgumentCountFailsStartup() {
		assertStartupFails("cdc.redis.mappings.products.insert[0]=HSET product:{id} {name}",
				"HSET takes at least 3 (an odd number) arguments but the template gives 2");
	}

	@Test
	void oldImageOfANonKeyColumnFailsStartupWithTheFix() {
		assertStartupFails("cdc.redis.mappings.products.delete[0]=SREM names {name}",
				"cdc.redis.mappings.products.delete[0] reads column 'name' of the old row",
				"REPLICA IDENTITY FULL");
	}

	@Test
	void conditionThatDoesNotParseFailsStartup() {
		assertStartupFails(List.of("cdc.redis.mappings.products.insert[0].command=SADD active {id}",
				"cdc.redis.mappings.products.insert[0].condition=#after['active'] ==="),
				"cdc.redis.mappings.products.insert[0].condition does not parse");
	}

	@Test
	void conditionUsingTypesFailsStartup() {
		assertStartupFails(List.of("cdc.redis.mappings.products.insert[0].command=SADD active {id}",
				"cdc.redis.mappings.products.insert[0].condition=T(java.lang.Runtime).getRuntime() != null"),
				"cdc.redis.mappings.products.insert[0].condition uses a type reference");
	}

	@Test
	void conditionUsingUnknownVariablesFailsStartup() {
		assertStartupFails(List.of("cdc.redis.mappings.products.insert[0].command=SADD active {id}",
				"cdc.redis.mappings.products.insert[0].condition=#row['active'] == true"),
				"an unknown variable #row (only #after, #before, #event, #op, #root and #this exist)");
	}

	@Test
	void unknownStreamFormatFailsStartup() {
		assertStartupFails(List.of("cdc.redis.stream.enabled=true", "cdc.redis.stream.format=avro"),
				"cdc.redis.stream.format is 'avro'; use native or debezium");
	}

	@Test
	void unknownDebeziumValueHandlingFailsStartup() {
		assertStartupFails(List.of("cdc.redis.stream.enabled=true", "cdc.redis.stream.format=debezium",
				"cdc.redis.stream.decimal-handling=exact"),
				"cdc.redis.stream.decimal-handling is 'exact'; use one of precise, double, string");
		assertStartupFails(List.of("cdc.redis.stream.enabled=true", "cdc.redis.stream.time-precision=nanos"),
				"cdc.redis.stream.time-precision is 'nanos'; use one of adaptive, adaptive_time_microseconds, connect");
	}

	@Test
	void unknownTableFailsStartup() {
		assertStartupFails(List.of("cdc.publication.tables=", "cdc.redis.mappings.nosuch.insert[0]=SET x {id}"),
				"cdc.redis.mappings.nosuch maps public.nosuch, which does not exist");
	}

	@Test
	void uncapturedTableFailsStartup() {
		assertStartupFails(List.of("cdc.publication.tables=audit", "cdc.redis.mappings.products.insert[0]=SET x {id}"),
				"cdc.redis.mappings.products maps public.products, which is not captured");
	}

	private void assertStartupFails(String property, String... messages) {
		assertStartupFails(List.of(property), messages);
	}

	private void assertStartupFails(List<String> properties, String... messages) {
		withDatabase("redis_failing").withPropertyValues(properties.toArray(new String[0])).run((context) -> {
			assertThat(context).hasFailed();
			StringBuilder chain = new StringBuilder();
			for (Throwable cause = context.getStartupFailure(); cause != null; cause = cause.getCause()) {
				chain.append(cause.getMessage()).append('\n');
			}
			for (String message : messages) {
				assertThat(chain.toString()).contains(message);
			}
		});
	}

	private static void awaitStreaming(AssertableApplicationContext context) {
		await().atMost(Duration.ofSeconds(20))
			.until(() -> context.getBean(ReplicationEngine.class).state() == EngineState.STREAMING);
	}

	@Configuration(proxyBeanMethods = false)
	static class UserSink {

		@Bean
		RedisSink userSink(ReplicationSettings settings, RedisConnectionFactory factory) {
			return RedisSinkFactory.create(RedisSinkSettings.defaults(), null, List.of(), settings, null, factory, null);
		}

	}

}
