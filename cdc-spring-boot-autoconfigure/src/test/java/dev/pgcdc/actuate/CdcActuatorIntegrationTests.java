package dev.pgcdc.actuate;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

import dev.pgcdc.actuate.CdcEndpoint.ActionDescriptor;
import dev.pgcdc.actuate.CdcEndpoint.CdcDescriptor;
import dev.pgcdc.actuate.CdcEndpoint.ListenerDescriptor;
import dev.pgcdc.actuate.CdcEndpoint.SnapshotDescriptor;
import dev.pgcdc.actuate.CdcEndpoint.SnapshotTableDescriptor;
import dev.pgcdc.autoconfigure.CdcActuatorAutoConfiguration;
import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.listener.CdcListener;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.actuate.autoconfigure.endpoint.jackson.JacksonEndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.jackson.EndpointJsonMapper;
import org.springframework.boot.actuate.endpoint.web.WebOperation;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * The {@code cdc} endpoint, health indicator and meters of a real application streaming from a real
 * PostgreSQL: what they show, pause and resume through the endpoint, and that no secret leaks.
 */
@ExtendWith(OutputCaptureExtension.class)
class CdcActuatorIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static final Pattern LSN = Pattern.compile("[0-9A-F]+/[0-9A-F]+");

	private static TestDatabase database;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, CdcAutoConfiguration.class,
				CdcActuatorAutoConfiguration.class, MetricsAutoConfiguration.class,
				SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
				JacksonEndpointAutoConfiguration.class, HealthContributorAutoConfiguration.class,
				HealthContributorRegistryAutoConfiguration.class))
		.withPropertyValues("management.endpoints.web.exposure.include=cdc");

	@BeforeAll
	static void createDatabase() {
		database = EmbeddedPostgresSupport.createDatabase("actuate");
		database.execute("CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL)",
				"CREATE TABLE customers (id bigint PRIMARY KEY, email text)");
	}

	@BeforeEach
	void emptyTables() {
		database.execute("TRUNCATE orders, customers");
	}

	@AfterAll
	static void dropSlots() {
		await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> database.execute(
				"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = current_database()"));
	}

	private ApplicationContextRunner withSlot(String slot) {
		return this.runner.withPropertyValues(database.cdcProperties(slot))
			.withPropertyValues("cdc.publication.tables=orders,customers", "cdc.status-interval=500ms",
					"cdc.heartbeat.interval=1s", "cdc.listener.retry.max-attempts=1",
					"cdc.listener.dead-letter-table=dl_" + slot);
	}

	@Test
	void endpointDescribesSlotPositionsEventsAndListeners() {
		withSlot("act_describe").withUserConfiguration(OrderAudit.class).run((context) -> {
			awaitStreaming(context);
			database.execute("INSERT INTO orders VALUES (1, 'NEW'), (2, 'NEW')", "INSERT INTO customers VALUES (1, 'a@x')",
					"UPDATE orders SET status = 'PAID' WHERE id = 1", "INSERT INTO customers VALUES (2, 'b@x')");
			CdcEndpoint endpoint = context.getBean(CdcEndpoint.class);
			await().atMost(WAIT).until(() -> endpoint.cdc().events().total() == 5);
			CdcDescriptor cdc = endpoint.cdc();
			assertThat(cdc.state()).isEqualTo(EngineState.STREAMING);
			assertThat(cdc.paused()).isFalse();
			assertThat(cdc.slot().name()).isEqualTo("act_describe");
			assertThat(cdc.slot().plugin()).isEqualTo("pgoutput");
			assertThat(cdc.slot().active()).isTrue();
			assertThat(cdc.slot().restartLsn()).matches(LSN);
			assertThat(cdc.slot().confirmedFlushLsn()).matches(LSN);
			assertThat(cdc.slot().walStatus()).isEqualTo("reserved");
			assertThat(cdc.serverLsn()).matches(LSN);
			assertThat(cdc.receivedLsn()).matches(LSN);
			await().atMost(WAIT).until(() -> endpoint.cdc().flushedLsn() != null);
			assertThat(endpoint.cdc().flushedLsn()).matches(LSN);
			assertThat(cdc.lagBytes()).isNotNull().isNotNegative();
			assertThat(cdc.retainedWalBytes()).isNotNull().isGreaterThanOrEqualTo(cdc.lagBytes());
			assertThat(cdc.lastCommitTime()).isNotNull();
			assertThat(cdc.events().byTable()).containsExactly(Map.entry("public.customers", 2L),
					Map.entry("public.orders", 3L));
			assertThat(cdc.transactions()).isGreaterThanOrEqualTo(4);
			assertThat(cdc.listeners()).containsExactly(new ListenerDescriptor("orderAudit", List.of("public.orders"), 3, 0, 0, 0));
			assertThat(cdc.snapshot()).isNull();
			assertThat(cdc.lastError()).isNull();
			assertThat(cdc.connections()).isEqualTo(1);
			assertThat(cdc.warnings()).as("the embedded server keeps WAL for slots without limit")
				.containsExactly(SlotWarning.UNBOUNDED_RETENTION.describe("act_describe"));
			String json = context.getBean(EndpointJsonMapper.class).get().writeValueAsString(cdc);
			assertThat(json).contains("\"state\":\"STREAMING\"", "\"name\":\"act_describe\"", "\"active\":true",
					"\"total\":5", "\"public.orders\":3", "\"id\":\"orderAudit\"", "\"invocations\":3",
					"\"deadLettered\":0", "\"snapshot\":null", "\"lastError\":null", "\"walStatus\":\"reserved\"",
					"\"safeWalSizeBytes\":null");
			for (String field : List.of("state", "slot", "serverLsn", "lagBytes", "retainedWalBytes", "receivedLsn",
					"flushedLsn", "lastCommitTime", "events", "listeners", "snapshot", "lastError", "plugin",
					"restartLsn", "confirmedFlushLsn", "byTable")) {
				assertThat(json).contains("\"" + field + "\":");
			}
		});
	}

	@Test
	void endpointShowsTheInitialSnapshot() {
		database.execute("INSERT INTO orders SELECT n, 'OLD' FROM generate_series(1, 50) AS n");
		withSlot("act_snapshot").withPropertyValues("cdc.snapshot.mode=initial").run((context) -> {
			CdcEndpoint endpoint = context.getBean(CdcEndpoint.class);
			await().atMost(WAIT).until(() -> endpoint.cdc().snapshot() != null
					&& endpoint.cdc().snapshot().finishedAt() != null && endpoint.cdc().events().total() == 50);
			SnapshotDescriptor snapshot = endpoint.cdc().snapshot();
			assertThat(snapshot.startedAt()).isBeforeOrEqualTo(snapshot.finishedAt());
			assertThat(snapshot.rowsDone()).isEqualTo(50);
			assertThat(snapshot.tables()).extracting(SnapshotTableDescriptor::table, SnapshotTableDescriptor::rowsDone,
					SnapshotTableDescriptor::done)
				.containsExactlyInAnyOrder(tuple("public.orders", 50L, true), tuple("public.customers", 0L, true));
			assertThat(endpoint.cdc().events().byTable()).containsExactly(Map.entry("public.orders", 50L));
			String json = context.getBean(EndpointJsonMapper.class).get().writeValueAsString(endpoint.cdc());
			assertThat(json).contains("\"snapshot\":{", "\"rowsDone\":50", "\"table\":\"public.orders\"");
		});
	}

	@Test
	void pauseHoldsDeliveryAndLetsTheLagGrowUntilResume() {
		withSlot("act_pause").withUserConfiguration(OrderAudit.class).run((context) -> {
			awaitStreaming(context);
			CdcEndpoint endpoint = context.getBean(CdcEndpoint.class);
			WebOperation control = CdcActuatorAutoConfigurationTests.webOperations(context).get("cdc/{action}");
			database.execute("INSERT INTO orders VALUES (1, 'NEW')");
			await().atMost(WAIT).until(() -> endpoint.cdc().events().total() == 1);

			Object paused = CdcActuatorAutoConfigurationTests.invoke(control, "pause");
			assertThat(paused).isEqualTo(new ActionDescriptor("pause", EngineState.PAUSED, true));
			long lagAtPause = endpoint.cdc().lagBytes();
			writeWhilePaused(500);
			await().atMost(WAIT).until(() -> endpoint.cdc().lagBytes() > lagAtPause + 32 * 1024);
			CdcDescriptor whilePaused = endpoint.cdc();
			assertThat(whilePaused.state()).isEqualTo(EngineState.PAUSED);
			assertThat(whilePaused.paused()).isTrue();
			// the dispatcher may still hand out a batch it was already waiting for when pause() was called;
			// the large transaction written after that is held
			long held = whilePaused.events().total();
			assertThat(held).as("nothing but the first small transaction delivered while paused").isLessThanOrEqualTo(2);
			await().during(Duration.ofSeconds(2)).atMost(WAIT).until(() -> endpoint.cdc().events().total() == held);
			assertThat(endpoint.cdc().listeners().get(0).invocations()).isEqualTo(1);

			Object resumed = CdcActuatorAutoConfigurationTests.invoke(control, "resume");
			assertThat(resumed).isEqualTo(new ActionDescriptor("resume", EngineState.STREAMING, false));
			await().atMost(WAIT).until(() -> endpoint.cdc().events().total() == 1 + 1 + 500);
			await().atMost(WAIT).until(() -> endpoint.cdc().lagBytes() < 1024 * 1024);
			assertThat(context.getBean(OrderAudit.class).received).as("orders only").hasSize(1 + 500);
		});
	}

	@Test
	void healthIsDownWhileTheLagExceedsTheThreshold() {
		withSlot("act_health_lag").withPropertyValues("cdc.health.max-lag-bytes=16KB").run((context) -> {
			awaitStreaming(context);
			HealthIndicator health = cdcHealth(context);
			await().atMost(WAIT).until(() -> health.health().getStatus().equals(Status.UP));
			Health up = health.health();
			assertThat(up.getDetails()).containsEntry("state", "STREAMING")
				.containsEntry("slot", "act_health_lag")
				.containsEntry("walStatus", "reserved")
				.containsEntry("maxLagBytes", 16L * 1024)
				.containsKey("lagBytes")
				.containsEntry("warnings", List.of(SlotWarning.UNBOUNDED_RETENTION.describe("act_health_lag")));

			context.getBean(CdcEndpoint.class).control("pause");
			writeWhilePaused(1000);
			await().atMost(WAIT).until(() -> health.health().getStatus().equals(Status.DOWN));
			Health down = health.health();
			assertThat(down.getDetails()).containsEntry("state", "PAUSED");
			assertThat((Long) down.getDetails().get("lagBytes")).isGreaterThan(16L * 1024);
			assertThat((String) down.getDetails().get("reason")).contains("cdc.health.max-lag-bytes");

			context.getBean(CdcEndpoint.class).control("resume");
			await().atMost(WAIT).until(() -> health.health().getStatus().equals(Status.UP));
		});
	}

	@Test
	void snapshotActionReadsTablesAgainWhileStreaming() {
		withSlot("act_resnapshot").run((context) -> {
			awaitStreaming(context);
			CdcEndpoint endpoint = context.getBean(CdcEndpoint.class);
			assertThatThrownBy(() -> endpoint.control("snapshot"))
				.isInstanceOf(InvalidEndpointRequestException.class)
				.hasMessageContaining("No tables to snapshot");
			assertThatThrownBy(() -> endpoint.snapshot("snapshot", "public.nowhere"))
				.isInstanceOf(InvalidEndpointRequestException.class);
			assertThatThrownBy(() -> endpoint.snapshot("rewind", "orders"))
				.isInstanceOf(InvalidEndpointRequestException.class);
			endpoint.snapshot("snapshot", "orders");
			ReplicationEngine engine = context.getBean(ReplicationEngine.class);
			await().atMost(WAIT).until(() -> engine.lastResnapshot() != null && engine.lastResnapshot().isFinished());
			assertThat(engine.lastResnapshot().failure()).isNull();
		});
	}

	@Test
	void pausedIsUpWithinTheThreshold() {
		withSlot("act_health_paused").run((context) -> {
			awaitStreaming(context);
			context.getBean(CdcEndpoint.class).control("pause");
			Health health = cdcHealth(context).health();
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails()).containsEntry("state", "PAUSED");
		});
	}

	@Test
	void failedEngineIsDownAndReportedEverywhere() {
		withSlot("act_failed").withUserConfiguration(StoppingListener.class).run((context) -> {
			awaitStreaming(context);
			database.execute("INSERT INTO customers VALUES (100, 'fail@x')");
			ReplicationEngine engine = context.getBean(ReplicationEngine.class);
			await().atMost(WAIT).until(() -> engine.state() == EngineState.FAILED);

			Health health = cdcHealth(context).health();
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(health.getDetails()).containsEntry("state", "FAILED").containsKey("lastError");

			CdcDescriptor cdc = context.getBean(CdcEndpoint.class).cdc();
			assertThat(cdc.state()).isEqualTo(EngineState.FAILED);
			assertThat(cdc.lastError()).isNotBlank();
			assertThat(cdc.listeners()).singleElement().satisfies((listener) -> {
				assertThat(listener.id()).isEqualTo("strict");
				assertThat(listener.failures()).isEqualTo(1);
			});
			assertThatExceptionOfType(InvalidEndpointRequestException.class)
				.isThrownBy(() -> context.getBean(CdcEndpoint.class).control("pause"))
				.withMessageContaining("FAILED");

			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(meters.get("cdc.state").gauge().value()).isEqualTo(CdcMetrics.stateCode(EngineState.FAILED));
			await().atMost(WAIT)
				.until(() -> meters.find("cdc.listener.invocations")
					.tags("listener", "strict", "outcome", "failure")
					.functionCounter() != null);
			assertThat(meters.get("cdc.listener.invocations").tags("listener", "strict", "outcome", "failure")
				.functionCounter()
				.count()).isEqualTo(1);
		});
	}

	@Test
	void metersReportLagEventsAndListeners() {
		withSlot("act_metrics").withUserConfiguration(OrderAudit.class).run((context) -> {
			awaitStreaming(context);
			database.execute("INSERT INTO orders VALUES (1, 'NEW'), (2, 'NEW')", "INSERT INTO customers VALUES (1, 'a@x')",
					"DELETE FROM orders WHERE id = 2");
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			await().atMost(WAIT).untilAsserted(() -> {
				assertThat(meters.find("cdc.events").tag("table", "public.orders").functionCounters().stream()
					.mapToDouble(io.micrometer.core.instrument.FunctionCounter::count).sum()).isEqualTo(3);
				assertThat(meters.find("cdc.events").tags("table", "public.orders", "operation", "DELETE")
					.functionCounter()).isNotNull().satisfies((counter) -> assertThat(counter.count()).isEqualTo(1));
				assertThat(meters.find("cdc.events").tags("table", "public.customers", "operation", "INSERT")
					.functionCounter()).isNotNull().satisfies((counter) -> assertThat(counter.count()).isEqualTo(1));
			});
			assertThat(meters.get("cdc.listener.invocations").tags("listener", "orderAudit", "outcome", "success")
				.functionCounter()
				.count()).isEqualTo(3);
			assertThat(meters.get("cdc.listener.invocations").tags("listener", "orderAudit", "outcome", "failure")
				.functionCounter()
				.count()).isZero();
			assertThat(meters.get("cdc.listener.dead.letters").tag("listener", "orderAudit").functionCounter().count())
				.isZero();
			assertThat(meters.get("cdc.lag.bytes").gauge().value()).isNotNaN().isNotNegative();
			assertThat(meters.get("cdc.retained.wal.bytes").gauge().value()).isNotNaN().isPositive();
			assertThat(meters.get("cdc.queue.size").gauge().value()).isNotNegative();
			assertThat(meters.get("cdc.state").gauge().value()).isEqualTo(CdcMetrics.stateCode(EngineState.STREAMING));
			assertThat(meters.get("cdc.reconnects").functionCounter().count()).isZero();
			assertThat(meters.get("cdc.lag.bytes").gauge().getId().getBaseUnit()).isEqualTo("bytes");
		});
	}

	@Test
	void noSecretInTheEndpointHealthMetersOrLogs(CapturedOutput output) {
		String password = "Sesame-Pangolin-9041";
		String urlPassword = "Url-Narwhal-5520";
		withSlot("act_secrets").withUserConfiguration(OrderAudit.class)
			.withPropertyValues("spring.datasource.password=" + password,
					"spring.datasource.url=" + database.jdbcUrl() + "?password=" + urlPassword)
			.run((context) -> {
				awaitStreaming(context);
				database.execute("INSERT INTO orders VALUES (1, 'NEW')");
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				await().atMost(WAIT).until(() -> meters.find("cdc.events").functionCounter() != null
						&& meters.find("cdc.listener.invocations").functionCounter() != null);
				CdcDescriptor cdc = context.getBean(CdcEndpoint.class).cdc();
				String json = context.getBean(EndpointJsonMapper.class).get().writeValueAsString(cdc);
				Health health = cdcHealth(context).health();
				StringBuilder meterText = new StringBuilder();
				for (Meter meter : meters.getMeters()) {
					meterText.append(meter.getId().getName());
					for (Tag tag : meter.getId().getTags()) {
						meterText.append(' ').append(tag.getKey()).append('=').append(tag.getValue());
					}
					meterText.append('\n');
				}
				assertThat(json).contains("act_secrets");
				assertThat(meterText).contains("listener=orderAudit");
				for (String secret : List.of(password, urlPassword)) {
					assertThat(json).doesNotContain(secret);
					assertThat(cdc.toString()).doesNotContain(secret);
					assertThat(health.toString()).doesNotContain(secret);
					assertThat(meterText.toString()).doesNotContain(secret);
				}
			});
		assertThat(output.getAll()).contains("act_secrets").doesNotContain(password).doesNotContain(urlPassword);
	}

	/**
	 * Write while delivery is paused: one small transaction first, so that the engine has received
	 * something it has not delivered (until then an idle stream confirms the server's decoding position,
	 * which may already lie past WAL the server has not sent yet), then {@code rows} rows with a wide
	 * column in one transaction.
	 */
	private static void writeWhilePaused(int rows) {
		database.execute("INSERT INTO customers VALUES (-1, 'first')");
		database.execute("INSERT INTO orders SELECT n, repeat('x', 100) FROM generate_series(1000, 999 + " + rows
				+ ") AS n");
	}

	private static void awaitStreaming(ApplicationContext context) {
		ReplicationEngine engine = context.getBean(ReplicationEngine.class);
		await().atMost(WAIT).until(() -> engine.state() == EngineState.STREAMING);
	}

	private static HealthIndicator cdcHealth(ApplicationContext context) {
		return (HealthIndicator) context.getBean(HealthContributorRegistry.class).getContributor("cdc");
	}

	@Configuration(proxyBeanMethods = false)
	static class OrderAudit {

		final List<ChangeEvent> received = new CopyOnWriteArrayList<>();

		@CdcListener(id = "orderAudit", tables = "orders")
		void on(ChangeEvent event) {
			this.received.add(event);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class StoppingListener {

		@CdcListener(id = "strict", tables = "customers", operations = Operation.INSERT, failurePolicy = "stop")
		void on(ChangeEvent event) {
			throw new IllegalStateException("cannot handle customer " + event.after().get("id"));
		}

	}

}
