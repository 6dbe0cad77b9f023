package dev.pgcdc.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.TransactionEvent;
import dev.pgcdc.event.ValueConverter;
import dev.pgcdc.listener.DeadLetter;
import dev.pgcdc.listener.DeadLetters;
import dev.pgcdc.listener.FailurePolicy;
import dev.pgcdc.listener.support.ApplicationEventPublishingConsumer;
import dev.pgcdc.listener.support.CdcListenerAnnotationBeanPostProcessor;
import dev.pgcdc.listener.support.CdcListenerRegistry;
import dev.pgcdc.listener.support.RetrySpec;
import dev.pgcdc.listener.support.ReplicationEngineLifecycle;
import dev.pgcdc.replication.DispatchErrorHandler;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.ReplicationSettings;
import dev.pgcdc.replication.ReplicationSetupException;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every condition of {@link CdcAutoConfiguration}, and the application events it publishes.
 */
class CdcAutoConfigurationTests {

	private static TestDatabase database;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, CdcAutoConfiguration.class));

	@BeforeAll
	static void createDatabase() {
		database = EmbeddedPostgresSupport.createDatabase("autoconfig");
		database.execute("CREATE TABLE orders (id bigint PRIMARY KEY, status text)");
	}

	private ApplicationContextRunner withDatabase(String slot) {
		return this.runner.withPropertyValues(database.cdcProperties(slot))
			.withPropertyValues("cdc.publication.tables=orders", "cdc.status-interval=1s");
	}

	@Test
	void streamsFromTheApplicationDataSourceByDefault() {
		withDatabase("defaults").run((context) -> {
			assertThat(context).hasSingleBean(ReplicationEngine.class)
				.hasSingleBean(ReplicationEngineLifecycle.class)
				.hasSingleBean(ApplicationEventPublishingConsumer.class);
			ReplicationSettings settings = context.getBean(ReplicationSettings.class);
			assertThat(settings.connection().url()).isEqualTo(database.jdbcUrl());
			assertThat(settings.connection().username()).isEqualTo("postgres");
			assertThat(settings.tables()).containsExactly("orders", "public.cdc_outbox");
			assertThat(settings.statusInterval()).isEqualTo(Duration.ofSeconds(1));
			await().atMost(Duration.ofSeconds(20))
				.until(() -> context.getBean(ReplicationEngine.class).state() == EngineState.STREAMING);
		});
	}

	@Test
	void cdcConnectionPropertiesWinOverTheDataSource() {
		withDatabase("own_connection")
			.withPropertyValues("cdc.connection.url=" + database.jdbcUrl() + "?ApplicationName=x",
					"cdc.connection.username=postgres")
			.run((context) -> assertThat(context.getBean(ReplicationSettings.class).connection().url())
				.endsWith("?ApplicationName=x"));
	}

	@Test
	void applicationsWithTheirOwnDataSourceStillDefaultToSpringDatasourceProperties() {
		withDatabase("own_datasource").withUserConfiguration(OwnDataSource.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(ReplicationSettings.class).connection().url()).isEqualTo(database.jdbcUrl());
		});
	}

	@Test
	void aThrowingEventListenerStopsCaptureWithoutConfirmingTheTransaction() {
		withDatabase("throwing_event_listener").withUserConfiguration(ThrowingEventListener.class).run((context) -> {
			ReplicationEngine engine = context.getBean(ReplicationEngine.class);
			await().atMost(Duration.ofSeconds(20)).until(() -> engine.state() == EngineState.STREAMING);
			String before = database.confirmedFlush("throwing_event_listener");
			database.execute("INSERT INTO orders VALUES (900, 'boom')");
			await().atMost(Duration.ofSeconds(20)).until(() -> engine.state() == EngineState.FAILED);
			assertThat(engine.lastError()).contains("nothing is lost");
			assertThat(database.confirmedFlush("throwing_event_listener")).isEqualTo(before);
			database.execute("DELETE FROM orders WHERE id = 900");
		});
	}

	@Test
	void backsOffWithoutPgjdbc() {
		withDatabase("no_driver").withClassLoader(new FilteredClassLoader(PGConnection.class))
			.run((context) -> assertThat(context).doesNotHaveBean(ReplicationEngine.class));
	}

	@Test
	void backsOffWhenDisabled() {
		withDatabase("disabled").withPropertyValues("cdc.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ReplicationEngine.class)
				.doesNotHaveBean(CdcProperties.class));
	}

	@Test
	void applicationEventsCanBeTurnedOff() {
		withDatabase("no_events").withPropertyValues("cdc.application-events.enabled=false")
			.run((context) -> assertThat(context).hasSingleBean(ReplicationEngine.class)
				.doesNotHaveBean(ApplicationEventPublishingConsumer.class));
	}

	@Test
	void userBeansReplaceOurs() {
		withDatabase("user_beans").withUserConfiguration(UserBeans.class).run((context) -> {
			assertThat(context.getBean(DispatchErrorHandler.class)).isSameAs(UserBeans.ERROR_HANDLER);
			assertThat(context.getBean(ValueConverter.class)).isSameAs(UserBeans.CONVERTER);
		});
	}

	@Test
	void userEngineReplacesOurs() {
		withDatabase("user_engine").withUserConfiguration(UserEngine.class)
			.run((context) -> assertThat(context).getBean(ReplicationEngine.class)
				.isSameAs(context.getBean("myEngine")));
	}

	@Test
	void listenerInfrastructureIsThereByDefault() {
		withDatabase("listener_beans").run((context) -> assertThat(context).hasSingleBean(CdcListenerRegistry.class)
			.hasSingleBean(DeadLetters.class)
			.hasSingleBean(CdcListenerAnnotationBeanPostProcessor.class));
	}

	@Test
	void userDeadLettersAndRegistryReplaceOurs() {
		withDatabase("user_listener_beans").withUserConfiguration(UserListenerBeans.class).run((context) -> {
			assertThat(context.getBean(DeadLetters.class)).isSameAs(context.getBean("myDeadLetters"));
			assertThat(context.getBean(CdcListenerRegistry.class)).isSameAs(context.getBean("myRegistry"));
		});
	}

	@Test
	void invalidRetrySettingsFailNamingTheProperty() {
		withDatabase("x").withPropertyValues("cdc.listener.retry.max-attempts=0").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("cdc.listener.retry.max-attempts");
		});
		withDatabase("x").withPropertyValues("cdc.listener.dead-letter-table=drop table x;").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("cdc.listener.dead-letter-table");
		});
	}

	@Test
	void unknownFailurePolicyFailsNamingTheValues() {
		withDatabase("x").withPropertyValues("cdc.listener.failure-policy=retry-forever").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasStackTraceContaining("cdc.listener.failure-policy");
		});
	}

	@Test
	void invalidSlotNameFailsNamingTheProperty() {
		withDatabase("x").withPropertyValues("cdc.slot.name=Orders-CDC").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("cdc.slot.name")
				.hasMessageContaining("lower-case letters, digits and underscores");
		});
	}

	@Test
	void missingUrlFailsNamingTheProperty() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(CdcAutoConfiguration.class)).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("cdc.connection.url")
				.hasMessageContaining("spring.datasource.url");
		});
	}

	@Test
	void nonPostgresUrlFailsAndHidesThePassword() {
		withDatabase("x").withPropertyValues("cdc.connection.url=jdbc:mysql://db/shop?password=hunter2")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.hasMessageContaining("jdbc:postgresql://")
					.hasMessageNotContaining("hunter2");
			});
	}

	@Test
	void negativeDurationFailsNamingTheProperty() {
		withDatabase("x").withPropertyValues("cdc.heartbeat.interval=-5s").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("cdc.heartbeat.interval");
		});
	}

	@Test
	void unreadyDatabaseFailsStartupWithTheFix() {
		withDatabase("missing").withPropertyValues("cdc.publication.tables=nowhere").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(ReplicationSetupException.class)
				.hasMessageContaining("Table public.nowhere listed in cdc.publication.tables does not exist");
		});
	}

	@Test
	void publishesChangesTransactionsAndMessagesAsApplicationEvents() {
		withDatabase("app_events").withUserConfiguration(Listeners.class).run((context) -> {
			Listeners listeners = context.getBean(Listeners.class);
			await().atMost(Duration.ofSeconds(20))
				.until(() -> context.getBean(ReplicationEngine.class).state() == EngineState.STREAMING);
			database.execute("INSERT INTO orders VALUES (1, 'NEW')", "SELECT pg_logical_emit_message(true, 'app', 'x')",
					"DELETE FROM orders");
			await().atMost(Duration.ofSeconds(20)).until(() -> listeners.changes.size() == 2);
			await().atMost(Duration.ofSeconds(20)).until(() -> listeners.transactions.size() == 2);
			assertThat(listeners.changes.get(0).after().get("status", String.class)).isEqualTo("NEW");
			assertThat(listeners.changes.get(0).after().get("id", Integer.class)).isEqualTo(1);
			assertThat(listeners.transactions.get(0).changes()).hasSize(1);
			assertThat(listeners.messages).extracting(LogicalMessage::prefix).containsExactly("app");
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnDataSource {

		@Bean
		javax.sql.DataSource myDataSource() {
			return database.dataSource();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ThrowingEventListener {

		@EventListener
		void on(ChangeEvent event) {
			throw new IllegalStateException("listener bug");
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserBeans {

		static final DispatchErrorHandler ERROR_HANDLER = (consumer, item, failure) -> {
		};

		static final ValueConverter CONVERTER = ValueConverter.simple();

		@Bean
		DispatchErrorHandler myErrorHandler() {
			return ERROR_HANDLER;
		}

		@Bean
		ValueConverter myConverter() {
			return CONVERTER;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserListenerBeans {

		@Bean
		DeadLetters myDeadLetters() {
			return new DeadLetters() {

				@Override
				public long store(dev.pgcdc.listener.CdcListenerFailure failure) {
					return 0;
				}

				@Override
				public List<DeadLetter> pending(int limit) {
					return List.of();
				}

				@Override
				public DeadLetter find(long id) {
					return null;
				}

				@Override
				public void replay(long id) {
				}

				@Override
				public boolean delete(long id) {
					return false;
				}

			};
		}

		@Bean
		CdcListenerRegistry myRegistry() {
			return new CdcListenerRegistry(new RetrySpec(1, Duration.ofMillis(1), 1.0, Duration.ofMillis(1)),
					FailurePolicy.SKIP, null, null, null, java.util.Set.of());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserEngine {

		@Bean
		ReplicationEngine myEngine(ReplicationSettings settings) {
			return new ReplicationEngine(settings, List.of(), (consumer, item, failure) -> {
			}, ValueConverter.simple());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Listeners {

		final List<ChangeEvent> changes = new CopyOnWriteArrayList<>();

		final List<TransactionEvent> transactions = new CopyOnWriteArrayList<>();

		final List<LogicalMessage> messages = new CopyOnWriteArrayList<>();

		@EventListener
		void on(ChangeEvent event) {
			this.changes.add(event);
		}

		@EventListener
		void on(TransactionEvent transaction) {
			this.transactions.add(transaction);
		}

		@EventListener
		void on(LogicalMessage message) {
			this.messages.add(message);
		}

	}

}
