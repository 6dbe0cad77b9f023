package dev.pgcdc.listener;

import java.time.Duration;

import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.autoconfigure.CdcRedisAutoConfiguration;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import dev.pgcdc.test.EmbeddedRedisSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The SpEL escapes of issue 13 fail start-up, in a {@code @CdcListener} condition and in a Redis mapping
 * condition alike (one dialect), with a message naming the listener or the mapping and the condition.
 */
class ConditionEscapeStartupTests {

	private static final String DECLARING_CLASS = "operation.getDeclaringClass().values.length > 0";

	private static final String SET_DAYS = "row.get('iv').setDays(42) == null";

	private static final String REPEAT = "'x'.repeat(100000000).length() > 0";

	private static final String INDEXED_CLASS = "operation['declaringClass'] != null";

	private static TestDatabase database;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, DataRedisAutoConfiguration.class,
				CdcAutoConfiguration.class, CdcRedisAutoConfiguration.class));

	@BeforeAll
	static void createDatabase() {
		database = EmbeddedPostgresSupport.createDatabase("condition_escapes");
		database.execute("CREATE TABLE shifts (id int PRIMARY KEY, iv interval, day date)");
	}

	@ParameterizedTest
	@ValueSource(strings = { DECLARING_CLASS, SET_DAYS, REPEAT, INDEXED_CLASS })
	void escapeInAListenerConditionFailsStartup(String condition) {
		Class<?> listener = switch (condition) {
			case DECLARING_CLASS -> DeclaringClassListener.class;
			case SET_DAYS -> SetDaysListener.class;
			case REPEAT -> RepeatListener.class;
			default -> IndexedClassListener.class;
		};
		String name = listener.getSimpleName();
		assertStartupFails(this.runner.withUserConfiguration(listener), "@CdcListener " + name + "#on(ChangeEvent)",
				"has a condition that uses", "which conditions cannot use: \"" + condition + "\"");
	}

	@ParameterizedTest
	@ValueSource(strings = { DECLARING_CLASS, SET_DAYS, REPEAT, INDEXED_CLASS,
			"#after['iv'].setDays(42) == null" })
	void escapeInARedisMappingConditionFailsStartup(String condition) {
		assertStartupFails(this.runner.withPropertyValues("cdc.redis.mappings.shifts.insert[0].command=SADD shifts {id}",
				"cdc.redis.mappings.shifts.insert[0].condition=" + condition),
				"cdc.redis.mappings.shifts.insert[0].condition uses", "which conditions cannot use: \"" + condition + "\"");
	}

	@Test
	void refusalOnlyARealValueShowsStopsTheSinkNamingTheMapping() {
		// getValue() is allowed on PGInterval, not on the Month enum a date's month is: only a real date shows it
		String condition = "#after['day'] != null and #after['day'].month.getValue() == 2";
		this.runner.withPropertyValues(database.cdcProperties("condition_runtime"))
			.withPropertyValues("spring.data.redis.port=" + EmbeddedRedisSupport.shared().port(),
					"cdc.publication.tables=shifts", "cdc.status-interval=1s",
					"cdc.redis.mappings.shifts.insert[0].command=SADD shifts {id}",
					"cdc.redis.mappings.shifts.insert[0].condition=" + condition)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				ReplicationEngine engine = context.getBean(ReplicationEngine.class);
				await().atMost(Duration.ofSeconds(20)).until(() -> engine.state() == EngineState.STREAMING);
				database.execute("INSERT INTO shifts VALUES (1, '1 day', '2024-02-29')");
				await().atMost(Duration.ofSeconds(20)).until(() -> engine.state() == EngineState.FAILED);
				assertThat(engine.lastError()).contains("cdc.redis.mappings.shifts.insert[0].condition \"" + condition
						+ "\" uses the method getValue() of Month, which conditions cannot use");
				database.execute("DELETE FROM shifts");
			});
	}

	private void assertStartupFails(ApplicationContextRunner runner, String... fragments) {
		runner.withPropertyValues(database.cdcProperties("condition_escapes"))
			.withPropertyValues("spring.data.redis.port=" + EmbeddedRedisSupport.shared().port(),
					"cdc.publication.tables=shifts")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(messages(context)).contains(fragments);
			});
	}

	private static String messages(AssertableApplicationContext context) {
		StringBuilder chain = new StringBuilder();
		for (Throwable cause = context.getStartupFailure(); cause != null; cause = cause.getCause()) {
			chain.append(cause.getMessage()).append('\n');
		}
		return chain.toString();
	}

	@Configuration(proxyBeanMethods = false)
	static class DeclaringClassListener {

		@CdcListener(tables = "shifts", condition = DECLARING_CLASS)
		void on(ChangeEvent event) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class SetDaysListener {

		@CdcListener(tables = "shifts", condition = SET_DAYS)
		void on(ChangeEvent event) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class RepeatListener {

		@CdcListener(tables = "shifts", condition = REPEAT)
		void on(ChangeEvent event) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class IndexedClassListener {

		@CdcListener(tables = "shifts", condition = INDEXED_CLASS)
		void on(ChangeEvent event) {
		}

	}

}
