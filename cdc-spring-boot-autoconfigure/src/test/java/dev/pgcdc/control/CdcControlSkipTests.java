package dev.pgcdc.control;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pgcdc.CdcControl;
import dev.pgcdc.EngineCdcControl;
import dev.pgcdc.autoconfigure.CdcActuatorAutoConfiguration;
import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.autoconfigure.CdcRedisAutoConfiguration;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.listener.CdcListener;
import dev.pgcdc.listener.OutboxListener;
import dev.pgcdc.outbox.Outbox;
import dev.pgcdc.outbox.OutboxEvent;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import dev.pgcdc.test.EmbeddedRedisSupport;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * {@link CdcControl#skipCurrentTransaction()} in a real application on a real PostgreSQL and Redis: a bulk
 * transaction marked with it reaches no consumer of any kind, its position is confirmed, it is counted and
 * logged; wrong uses fail naming the fix.
 */
@ExtendWith(OutputCaptureExtension.class)
class CdcControlSkipTests {

	private static final Duration WAIT = Duration.ofSeconds(120);

	private static TestDatabase database;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
				DataSourceTransactionManagerAutoConfiguration.class, TransactionAutoConfiguration.class,
				JacksonAutoConfiguration.class, DataRedisAutoConfiguration.class, CdcAutoConfiguration.class,
				CdcRedisAutoConfiguration.class, CdcActuatorAutoConfiguration.class, MetricsAutoConfiguration.class,
				SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class))
		.withUserConfiguration(Consumers.class);

	@BeforeAll
	static void createDatabase() {
		database = EmbeddedPostgresSupport.createDatabase("cdc_control_skip");
		database.execute("CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL)");
	}

	private ApplicationContextRunner withSlot(String slot) {
		return this.runner.withPropertyValues(database.cdcProperties(slot))
			.withPropertyValues("spring.data.redis.port=" + EmbeddedRedisSupport.shared().port(), "cdc.status-interval=1s",
					"cdc.redis.mappings.customers.insert[0]=SADD " + slot + ":customers {id}");
	}

	@Test
	void aSkippedMigrationBetweenTwoTransactionsReachesNoConsumer(CapturedOutput output) throws Exception {
		String slot = "control_skip";
		try (RedisClient client = RedisClient.create("redis://localhost:" + EmbeddedRedisSupport.shared().port());
				StatefulRedisConnection<String, String> redis = client.connect()) {
			redis.sync().del(slot + ":customers");
			withSlot(slot).run((context) -> {
				awaitStreaming(context);
				CdcControl control = context.getBean(CdcControl.class);
				Outbox outbox = context.getBean(Outbox.class);
				TransactionTemplate transactions = context.getBean(TransactionTemplate.class);
				JdbcTemplate jdbc = new JdbcTemplate(database.dataSource());
				Consumers consumers = context.getBean(Consumers.class);

				transactions.executeWithoutResult((status) -> customer(context, outbox, 1));
				long[] migration = new long[1];
				transactions.executeWithoutResult((status) -> {
					control.skipCurrentTransaction();
					control.skipCurrentTransaction(); // a second call in the same transaction changes nothing
					JdbcTemplate app = context.getBean(JdbcTemplate.class);
					app.update("INSERT INTO customers SELECT g, 'migrated ' || g FROM generate_series(1000, 100999) g");
					outbox.publish("customer", "migration", "CustomersMigrated", Map.of("rows", 100_000));
					migration[0] = app.queryForObject("SELECT txid_current()", Long.class);
				});
				Lsn afterMigration = Lsn.parse(jdbc.queryForObject("SELECT pg_current_wal_lsn()::text", String.class));
				transactions.executeWithoutResult((status) -> customer(context, outbox, 2));

				assertThat(control.awaitCaughtUp(WAIT)).isTrue();
				assertThat(consumers.listenerIds).containsExactly(1L, 2L);
				assertThat(consumers.applicationEventIds).containsExactly(1L, 2L);
				assertThat(consumers.outboxIds).containsExactly("1", "2");
				await().atMost(WAIT).until(() -> redis.sync().smembers(slot + ":customers").size() >= 2);
				assertThat(redis.sync().smembers(slot + ":customers")).isEqualTo(Set.of("1", "2"));
				await().atMost(WAIT)
					.until(() -> Lsn.parse(database.confirmedFlush(slot)).compareTo(afterMigration) >= 0);

				MeterRegistry meters = context.getBean(MeterRegistry.class);
				assertThat(meters.get("cdc.transactions.skipped").functionCounter().count()).isEqualTo(1.0);
				ReplicationEngine engine = context.getBean(ReplicationEngine.class);
				assertThat(engine.statistics().skippedTransactions()).isEqualTo(1);
				assertThat(engine.statistics().skippedChanges()).as("100,000 rows and the outbox row")
					.isEqualTo(100_001);
				assertThat(output).containsOnlyOnce("Skipped transaction " + migration[0] + " ")
					.contains("100001 changes and messages reached no consumer");
			});
		}
	}

	private static void customer(ApplicationContext context, Outbox outbox, long id) {
		context.getBean(JdbcTemplate.class).update("INSERT INTO customers VALUES (?, ?)", id, "customer " + id);
		outbox.publish("customer", String.valueOf(id), "CustomerCreated", Map.of("id", id));
	}

	@Test
	void skipOutsideATransactionFailsNamingTransactional() {
		withSlot("control_skip_no_tx").run((context) -> {
			CdcControl control = context.getBean(CdcControl.class);
			assertThatIllegalStateException().isThrownBy(control::skipCurrentTransaction)
				.withMessageContaining("CdcControl.skipCurrentTransaction() must run inside a Spring-managed transaction")
				.withMessageContaining("@Transactional");
		});
	}

	@Test
	void skipAfterTheFirstWriteFailsAndTheTransactionIsDelivered() {
		withSlot("control_skip_late").run((context) -> {
			awaitStreaming(context);
			CdcControl control = context.getBean(CdcControl.class);
			TransactionTemplate transactions = context.getBean(TransactionTemplate.class);
			JdbcTemplate app = context.getBean(JdbcTemplate.class);
			assertThatIllegalStateException().isThrownBy(() -> transactions.executeWithoutResult((status) -> {
				app.update("INSERT INTO customers VALUES (500000, 'written first')");
				control.skipCurrentTransaction();
			})).withMessageContaining("call CdcControl.skipCurrentTransaction() before the transaction's first write");
			assertThat(app.queryForObject("SELECT count(*) FROM customers WHERE id = 500000", Long.class))
				.as("rolled back with the exception").isZero();
		});
	}

	@Test
	void aSkipMarkerWrittenAfterChangesDropsOnlyTheRestAndWarns(CapturedOutput output) {
		withSlot("control_skip_raw").run((context) -> {
			awaitStreaming(context);
			Consumers consumers = context.getBean(Consumers.class);
			// what skipCurrentTransaction() refuses to do, written by hand
			database.execute("BEGIN", "INSERT INTO customers VALUES (600000, 'before the marker')",
					"SELECT pg_logical_emit_message(true, 'pgcdc-skip', '')",
					"INSERT INTO customers VALUES (600001, 'after the marker')", "COMMIT");
			assertThat(context.getBean(CdcControl.class).awaitCaughtUp(WAIT)).isTrue();
			assertThat(consumers.listenerIds).containsExactly(600000L);
			assertThat(output).contains("was marked to be skipped after 1 of its changes, which were delivered; call "
					+ "CdcControl.skipCurrentTransaction() before the transaction's first write");
		});
	}

	@Test
	void skipInAReadOnlyTransactionFailsNamingReadOnly() {
		withSlot("control_skip_read_only").run((context) -> {
			CdcControl control = context.getBean(CdcControl.class);
			TransactionTemplate readOnly = new TransactionTemplate(
					context.getBean(org.springframework.transaction.PlatformTransactionManager.class));
			readOnly.setReadOnly(true);
			assertThatIllegalStateException()
				.isThrownBy(() -> readOnly.executeWithoutResult((status) -> control.skipCurrentTransaction()))
				.withMessageContaining("read-only transaction");
		});
	}

	@Test
	void aControlOfTheApplicationReplacesTheAutoConfiguredOne() {
		withSlot("control_own").withBean("myControl", CdcControl.class, OwnControl::new).run((context) -> {
			assertThat(context).hasSingleBean(CdcControl.class);
			assertThat(context.getBean(CdcControl.class)).isInstanceOf(OwnControl.class);
		});
		withSlot("control_auto").run((context) -> assertThat(context.getBean(CdcControl.class))
			.isInstanceOf(EngineCdcControl.class));
	}

	static void awaitStreaming(ApplicationContext context) {
		ReplicationEngine engine = context.getBean(ReplicationEngine.class);
		await().atMost(WAIT).until(() -> engine.state() == EngineState.STREAMING);
	}

	static final class OwnControl implements CdcControl {

		@Override
		public boolean awaitCaughtUp(Duration timeout) {
			return true;
		}

		@Override
		public void skipCurrentTransaction() {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Consumers {

		final List<Long> listenerIds = new CopyOnWriteArrayList<>();

		final List<Long> applicationEventIds = new CopyOnWriteArrayList<>();

		final List<String> outboxIds = new CopyOnWriteArrayList<>();

		@Bean
		JdbcTemplate jdbcTemplate(javax.sql.DataSource dataSource) {
			return new JdbcTemplate(dataSource);
		}

		@CdcListener(tables = "customers")
		void onCustomer(ChangeEvent event) {
			this.listenerIds.add(event.row().get("id", Long.class));
		}

		@EventListener
		void onApplicationEvent(ChangeEvent event) {
			if (event.table().name().equals("customers")) {
				this.applicationEventIds.add(event.row().get("id", Long.class));
			}
		}

		@OutboxListener(aggregateTypes = "customer")
		void onOutbox(OutboxEvent event) {
			this.outboxIds.add(event.aggregateId());
		}

	}

}
