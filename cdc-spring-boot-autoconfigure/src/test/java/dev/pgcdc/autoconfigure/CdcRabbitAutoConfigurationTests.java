package dev.pgcdc.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.pgcdc.actuate.CdcEndpoint;
import dev.pgcdc.listener.DeadLetter;
import dev.pgcdc.listener.DeadLetters;
import dev.pgcdc.outbox.Outbox;
import dev.pgcdc.rabbit.RabbitSink;
import dev.pgcdc.rabbit.RabbitSinkMetrics;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import dev.pgcdc.test.EmbeddedRabbitExtension;
import dev.pgcdc.test.EmbeddedRabbitSupport;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.boot.actuate.autoconfigure.endpoint.jackson.JacksonEndpointAutoConfiguration;
import org.springframework.boot.amqp.autoconfigure.RabbitAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every condition of {@link CdcRabbitAutoConfiguration}, the sink in a whole application (outbox events
 * routed by aggregate and event type, rolled-back ones never sent, unroutable messages dead-lettered, state
 * and backlog on {@code /actuator/cdc} and in metrics), and the start-up failures of a wrong configuration.
 */
@ExtendWith(EmbeddedRabbitExtension.class)
class CdcRabbitAutoConfigurationTests {

	private static TestDatabase database;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
				DataSourceTransactionManagerAutoConfiguration.class, TransactionAutoConfiguration.class,
				JacksonAutoConfiguration.class, RabbitAutoConfiguration.class, CdcAutoConfiguration.class,
				CdcRabbitAutoConfiguration.class, CdcActuatorAutoConfiguration.class, MetricsAutoConfiguration.class,
				SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
				JacksonEndpointAutoConfiguration.class))
		.withPropertyValues("management.endpoints.web.exposure.include=cdc");

	@BeforeAll
	static void createDatabase() {
		database = EmbeddedPostgresSupport.createDatabase("rabbit_autoconfig");
		database.execute("CREATE TABLE orders (id int PRIMARY KEY, status text)",
				"CREATE TABLE audit (id int PRIMARY KEY, note text)");
	}

	private ApplicationContextRunner withDatabase(String slot) {
		return this.runner.withPropertyValues(database.cdcProperties(slot))
			.withPropertyValues("spring.rabbitmq.host=127.0.0.1",
					"spring.rabbitmq.port=" + EmbeddedRabbitSupport.shared().port(), "cdc.publication.tables=orders,audit",
					"cdc.status-interval=500ms", "cdc.application-events.enabled=false",
					"cdc.outbox.table=" + slot + "_outbox", "cdc.outbox.inbox-table=" + slot + "_inbox",
					"cdc.listener.dead-letter-table=" + slot + "_dead_letter");
	}

	@Test
	void backsOffUnlessEnabled() {
		withDatabase("rabbit_off").run((context) -> assertThat(context).hasNotFailed()
			.doesNotHaveBean(RabbitSink.class)
			.doesNotHaveBean(CdcRabbitProperties.class));
	}

	@Test
	void backsOffWithoutSpringAmqp() {
		withDatabase("rabbit_noclass").withPropertyValues("cdc.rabbit.enabled=true")
			.withClassLoader(new FilteredClassLoader(org.springframework.amqp.rabbit.connection.ConnectionFactory.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RabbitSink.class));
	}

	@Test
	void enabledWithoutAConnectionFactoryFailsNamingTheFix() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, CdcAutoConfiguration.class,
					CdcRabbitAutoConfiguration.class))
			.withPropertyValues(database.cdcProperties("rabbit_nofactory"))
			.withPropertyValues("cdc.rabbit.enabled=true")
			.run((context) -> assertThat(failure(context)).contains("no RabbitMQ ConnectionFactory")
				.contains("spring-boot-starter-amqp"));
	}

	@Test
	void wrongFormatFailsStartupNamingTheKey() {
		withDatabase("rabbit_format").withPropertyValues("cdc.rabbit.enabled=true", "cdc.rabbit.format=avro")
			.run((context) -> assertThat(failure(context)).contains("cdc.rabbit.format is 'avro'; use native or debezium"));
	}

	@Test
	void tableNotCapturedFailsStartupNamingTheFix() {
		withDatabase("rabbit_table").withPropertyValues("cdc.rabbit.enabled=true", "cdc.rabbit.tables=invoices")
			.run((context) -> assertThat(failure(context)).contains("cdc.rabbit.tables lists public.invoices")
				.contains("add it to cdc.publication.tables"));
	}

	@Test
	void outboxEventsAreRoutedByAggregateAndEventTypeAndRolledBackOnesNeverArrive() {
		withDatabase("rabbit_outbox").withPropertyValues("cdc.rabbit.enabled=true", "cdc.rabbit.exchange=shop",
				"cdc.rabbit.declare[0].queue=shop.order-events", "cdc.rabbit.declare[0].bindings=Order.*",
				"cdc.rabbit.declare[0].dead-letter-exchange=shop.dlx", "cdc.rabbit.declare[1].queue=shop.orders",
				"cdc.rabbit.declare[1].bindings=public.orders.*", "cdc.rabbit.declare[2].queue=shop.audit",
				"cdc.rabbit.declare[2].bindings=public.audit.#")
			.run((context) -> {
				assertThat(context).hasSingleBean(RabbitSink.class).hasSingleBean(RabbitSinkMetrics.class);
				awaitStreaming(context);
				Outbox outbox = context.getBean(Outbox.class);
				TransactionTemplate transactions = context.getBean(TransactionTemplate.class);
				JdbcTemplate jdbc = new JdbcTemplate(context.getBean(javax.sql.DataSource.class));
				UUID placed = transactions.execute((status) -> {
					jdbc.update("INSERT INTO orders VALUES (1, 'NEW')");
					return outbox.publish("Order", "1", "OrderPlaced", Map.of("id", 1, "total", 12.5)).id();
				});
				transactions.execute((status) -> {
					outbox.publish("Order", "2", "OrderPlaced", Map.of("id", 2));
					status.setRollbackOnly();
					return null;
				});
				UUID shipped = transactions
					.execute((status) -> outbox.publish("Order", "1", "OrderShipped", Map.of("id", 1)).id());
				RabbitTemplate rabbit = context.getBean(RabbitTemplate.class);
				Message first = rabbit.receive("shop.order-events", 30_000);
				Message second = rabbit.receive("shop.order-events", 30_000);
				assertThat(first.getMessageProperties().getMessageId()).isEqualTo(placed.toString());
				assertThat(first.getMessageProperties().getReceivedRoutingKey()).isEqualTo("Order.OrderPlaced");
				assertThat(first.getMessageProperties().getContentType()).isEqualTo("application/json");
				assertThat(first.getMessageProperties().getReceivedDeliveryMode()).hasToString("PERSISTENT");
				assertThat((String) first.getMessageProperties().getHeader("aggregate_id")).isEqualTo("1");
				assertThat(new String(first.getBody())).as("the payload JSON").isEqualTo("{\"id\": 1, \"total\": 12.5}");
				assertThat(second.getMessageProperties().getMessageId()).isEqualTo(shipped.toString());
				assertThat(second.getMessageProperties().getReceivedRoutingKey()).isEqualTo("Order.OrderShipped");
				assertThat(rabbit.receive("shop.order-events", 1_000)).as("the rolled-back event never arrives").isNull();
				Message order = rabbit.receive("shop.orders", 30_000);
				assertThat(order.getMessageProperties().getReceivedRoutingKey()).isEqualTo("public.orders.insert");
				assertThat(rabbit.receive("shop.orders", 500)).as("the outbox table is not published as a table").isNull();

				await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
					Map<String, Object> sinks = context.getBean(CdcEndpoint.class).cdc().sinks();
					assertThat(sinks).containsKey("rabbit");
					@SuppressWarnings("unchecked")
					Map<String, Object> sink = (Map<String, Object>) sinks.get("rabbit");
					assertThat(sink).containsEntry("state", "PUBLISHING").containsEntry("backlog", 0).containsEntry("backlogBytes", 0L)
						.containsEntry("confirmed", 3L);
				});
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				assertThat(meters.get("cdc.rabbit.confirmed").functionCounter().count()).isEqualTo(3.0);
				assertThat(meters.get("cdc.rabbit.backlog").gauge().value()).isZero();
				assertThat(meters.get("cdc.rabbit.connected").gauge().value()).isEqualTo(1.0);
			});
	}

	@Test
	void unroutableMessageGoesToTheDeadLetterTableAndPublishingGoesOn() {
		withDatabase("rabbit_deadletter").withPropertyValues("cdc.rabbit.enabled=true", "cdc.rabbit.exchange=dl",
				"cdc.rabbit.declare[0].queue=dl.orders", "cdc.rabbit.declare[0].bindings=public.orders.*")
			.run((context) -> {
				awaitStreaming(context);
				database.execute("INSERT INTO audit VALUES (1, 'nobody listens')");
				database.execute("INSERT INTO orders VALUES (10, 'NEW')");
				DeadLetters deadLetters = context.getBean(DeadLetters.class);
				await().atMost(Duration.ofSeconds(20)).until(() -> !deadLetters.pending(10).isEmpty());
				DeadLetter letter = deadLetters.pending(10).get(0);
				assertThat(letter.listenerId()).isEqualTo("rabbit-sink");
				assertThat(letter.exception()).contains("returned it as unroutable").contains("public.audit.insert")
					.contains("cdc.rabbit.declare");
				assertThat(letter.changes()).singleElement()
					.satisfies((change) -> assertThat(change.after().get("note")).isEqualTo("nobody listens"));
				RabbitTemplate rabbit = context.getBean(RabbitTemplate.class);
				Message order = rabbit.receive("dl.orders", 30_000);
				assertThat(order.getMessageProperties().getReceivedRoutingKey()).isEqualTo("public.orders.insert");
				assertThat(context.getBean(RabbitSink.class).statistics().deadLetters()).isEqualTo(1);
				database.execute("DELETE FROM audit", "DELETE FROM orders");
			});
	}

	private static String failure(AssertableApplicationContext context) {
		assertThat(context).hasFailed();
		StringBuilder chain = new StringBuilder();
		for (Throwable cause = context.getStartupFailure(); cause != null; cause = cause.getCause()) {
			chain.append(cause.getMessage()).append('\n');
		}
		return chain.toString();
	}

	private static void awaitStreaming(AssertableApplicationContext context) {
		await().atMost(Duration.ofSeconds(30))
			.until(() -> context.getBean(ReplicationEngine.class).state() == EngineState.STREAMING);
	}


}
