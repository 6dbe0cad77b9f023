package dev.pgcdc.actuate;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import dev.pgcdc.actuate.CdcEndpoint.ActionDescriptor;
import dev.pgcdc.actuate.CdcEndpoint.CdcDescriptor;
import dev.pgcdc.actuate.CdcEndpoint.ListenerDescriptor;
import dev.pgcdc.actuate.CdcEndpoint.SnapshotDescriptor;
import dev.pgcdc.actuate.CdcEndpoint.SnapshotTableDescriptor;
import dev.pgcdc.autoconfigure.CdcActuatorAutoConfiguration;
import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.autoconfigure.CdcRedisAutoConfiguration;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.listener.CdcListener;
import dev.pgcdc.listener.DeadLetters;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import dev.pgcdc.test.EmbeddedRedisSupport;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import org.assertj.core.api.InstanceOfAssertFactories;
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
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
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
	void resnapshotProgressPerTableOverHttpWhileAndAfterItRuns() throws Exception {
		database.execute("INSERT INTO orders SELECT n, 'OLD' FROM generate_series(1, 2500) AS n", "ANALYZE orders");
		httpWithSlot("act_http_resnapshot").withUserConfiguration(GatedSnapshotReader.class).run((context) -> {
			awaitStreaming(context);
			CdcHttp http = CdcHttp.of(context);
			assertThat(http.get("/actuator/cdc").json()).containsEntry("resnapshot", null);
			assertThat(http.post("/actuator/cdc/snapshot/orders,customers").status()).isEqualTo(200);
			// the listener holds the second chunk of orders: the first (1,000 rows) is done, nothing else; customers
			// was never analyzed, so it has no estimate
			await().atMost(WAIT).untilAsserted(() -> assertThat(http.get("/actuator/cdc").json().get("resnapshot"))
				.asInstanceOf(InstanceOfAssertFactories.MAP)
				.containsEntry("state", "RUNNING")
				.containsEntry("rowsDone", 1000)
				.containsEntry("finishedAt", null)
				.containsEntry("failure", null)
				.containsEntry("tables", List.of(table("public.orders", 1000, 2500, false),
						table("public.customers", 0, null, false)))
				.satisfies((resnapshot) -> assertThat(resnapshot.get("startedAt")).isNotNull()));
			context.getBean(GatedSnapshotReader.class).gate.countDown();
			await().atMost(WAIT).untilAsserted(() -> assertThat(http.get("/actuator/cdc").json().get("resnapshot"))
				.asInstanceOf(InstanceOfAssertFactories.MAP)
				.containsEntry("state", "DONE")
				.containsEntry("rowsDone", 2500)
				.containsEntry("tables", List.of(table("public.orders", 2500, 2500, true),
						table("public.customers", 0, null, true)))
				.satisfies((resnapshot) -> assertThat(resnapshot.get("finishedAt")).isNotNull()));
			assertThat(http.get("/actuator/cdc").json()).containsEntry("snapshot", null)
				.containsKeys("state", "slot", "lagBytes", "listeners");
		});
	}

	@Test
	void deadLettersListedPagedAndReplayedOverHttp() throws Exception {
		httpWithSlot("act_http_dead").withUserConfiguration(FlakyCustomers.class).run((context) -> {
			awaitStreaming(context);
			FlakyCustomers flaky = context.getBean(FlakyCustomers.class);
			flaky.broken.addAll(List.of(1L, 2L));
			database.execute("INSERT INTO customers VALUES (1, 'a@x')", "INSERT INTO customers VALUES (2, 'b@x')");
			CdcHttp http = CdcHttp.of(context);
			await().atMost(WAIT).until(() -> deadLetters(http, "?listener=flakyCustomers%23on").size() == 2);
			Map<String, Object> first = deadLetters(http, "").get(0);
			assertThat(first).containsEntry("listenerId", "flakyCustomers#on").containsEntry("table", "public.customers")
				.containsEntry("attempts", 1).containsEntry("changes", 1).containsKeys("xid", "commitLsn", "createdAt");
			assertThat((String) first.get("error")).contains("customer 1 is broken");
			Number id = (Number) first.get("id");
			Map<String, Object> page = http.get("/actuator/cdc/deadletters?limit=1").json();
			assertThat(page).containsEntry("nextAfter", id);
			assertThat(deadLetters(http, "?after=" + id)).singleElement()
				.satisfies((second) -> assertThat((String) second.get("error")).contains("customer 2"));
			assertThat(deadLetters(http, "?listener=someoneElse")).isEmpty();

			CdcHttp.Response stillBroken = http.post("/actuator/cdc/deadletters/" + id);
			assertThat(stillBroken.status()).isEqualTo(200);
			assertThat(stillBroken.json()).containsEntry("replayed", List.of()).containsEntry("failed", id);
			assertThat((String) stillBroken.json().get("error")).contains("customer 1 is broken");
			flaky.broken.clear();
			assertThat(http.post("/actuator/cdc/deadletters/" + id).json()).containsEntry("listenerId", "flakyCustomers#on")
				.containsEntry("replayed", List.of(id)).containsEntry("failed", null);
			assertThat(flaky.handled).containsExactly(1L);
			assertThat(deadLetters(http, "")).extracting((deadLetter) -> deadLetter.get("id")).doesNotContain(id);
			assertThat(http.post("/actuator/cdc/deadletters/" + id).status()).as("replayed already").isEqualTo(400);
			assertThat(http.post("/actuator/cdc/deadletters/999999").status()).as("no such dead letter").isEqualTo(400);
			assertThat(http.post("/actuator/cdc/deadletters/x").status()).as("not an id").isEqualTo(400);
			assertThat(http.get("/actuator/cdc/deadletters?limit=0").status()).isEqualTo(400);
			Object second = deadLetters(http, "").get(0).get("id");
			assertThat(http.delete("/actuator/cdc/deadletters/" + second).json()).containsEntry("deleted", true);
			assertThat(http.delete("/actuator/cdc/deadletters/" + second).json()).containsEntry("deleted", false);
			assertThat(deadLetters(http, "")).isEmpty();
			assertThat(flaky.handled).as("a deleted dead letter is not delivered").containsExactly(1L);
		});
	}

	@Test
	void replayAllOfAListenerStopsAtTheFirstThatFailsAgain() throws Exception {
		httpWithSlot("act_http_replay_all").withUserConfiguration(FlakyCustomers.class).run((context) -> {
			awaitStreaming(context);
			FlakyCustomers flaky = context.getBean(FlakyCustomers.class);
			flaky.broken.addAll(List.of(1L, 2L, 3L));
			for (int id = 1; id <= 3; id++) {
				database.execute("INSERT INTO customers VALUES (" + id + ", 'c" + id + "@x')");
			}
			CdcHttp http = CdcHttp.of(context);
			await().atMost(WAIT).until(() -> deadLetters(http, "").size() == 3);
			List<Object> ids = deadLetters(http, "").stream().map((deadLetter) -> deadLetter.get("id")).toList();
			flaky.broken.removeAll(List.of(1L, 3L));
			Map<String, Object> partly = http.post("/actuator/cdc/deadletters/listener/flakyCustomers%23on").json();
			assertThat(partly).containsEntry("replayed", List.of(ids.get(0))).containsEntry("failed", ids.get(1));
			assertThat(flaky.handled).as("3 is not tried before 2 succeeds").containsExactly(1L);
			flaky.broken.clear();
			assertThat(http.post("/actuator/cdc/deadletters/listener/flakyCustomers%23on").json())
				.containsEntry("replayed", ids.subList(1, 3)).containsEntry("failed", null);
			assertThat(flaky.handled).containsExactly(1L, 2L, 3L);
			assertThat(deadLetters(http, "")).isEmpty();
		});
	}

	@Test
	void readOnlyAccessRefusesTheWriteOperations() throws Exception {
		httpWithSlot("act_http_read_only").withUserConfiguration(FlakyCustomers.class)
			.withPropertyValues("management.endpoint.cdc.access=read-only")
			.run((context) -> {
				awaitStreaming(context);
				context.getBean(FlakyCustomers.class).broken.add(1L);
				database.execute("INSERT INTO customers VALUES (1, 'a@x')");
				CdcHttp http = CdcHttp.of(context);
				await().atMost(WAIT).until(() -> deadLetters(http, "").size() == 1);
				Object id = deadLetters(http, "").get(0).get("id");
				context.getBean(FlakyCustomers.class).broken.clear();
				for (String path : List.of("/actuator/cdc/pause", "/actuator/cdc/deadletters/" + id,
						"/actuator/cdc/deadletters/listener/flakyCustomers%23on", "/actuator/cdc/snapshot/orders")) {
					assertThat(http.post(path).status()).as(path).isIn(404, 405);
				}
				assertThat(http.delete("/actuator/cdc/deadletters/" + id).status()).isIn(404, 405);
				assertThat(http.get("/actuator/cdc").json()).containsEntry("state", "STREAMING")
					.containsEntry("resnapshot", null);
				assertThat(deadLetters(http, "")).singleElement().satisfies((left) -> assertThat(left).containsEntry("id", id));
				assertThat(context.getBean(FlakyCustomers.class).handled).isEmpty();
			});
	}

	@Test
	void redisDeadLetterReplayedOverHttpAndFromJavaAfterTheKeyIsFixed() throws Exception {
		int port = EmbeddedRedisSupport.shared().port();
		RedisClient client = RedisClient.create("redis://localhost:" + port);
		try (StatefulRedisConnection<String, String> redis = client.connect()) {
			redis.sync().set("act:order:7", "not a hash");
			redis.sync().set("act:order:9", "not a hash either");
			httpWithSlot("act_http_redis")
				.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, CdcRedisAutoConfiguration.class))
				.withPropertyValues("spring.data.redis.port=" + port, "cdc.redis.write.exactly-once=true",
						"cdc.redis.write.fence-key=act:fence", "cdc.redis.mappings.orders.insert[0]=HSET act:order:{id} status {status}")
				.run((context) -> {
					awaitStreaming(context);
					database.execute("INSERT INTO orders VALUES (7, 'NEW')", "INSERT INTO orders VALUES (9, 'NEW')",
							"INSERT INTO orders VALUES (8, 'NEW')");
					CdcHttp http = CdcHttp.of(context);
					await().atMost(WAIT).until(() -> "NEW".equals(redis.sync().hget("act:order:8", "status")));
					List<Map<String, Object>> deadLetters = deadLetters(http, "?listener=redis-sink");
					assertThat(deadLetters).hasSize(2);
					Object seven = deadLetters.get(0).get("id");
					assertThat((String) deadLetters.get(0).get("error")).contains("WRONGTYPE", "HSET act:order:7");
					Map<String, Object> notFixed = http.post("/actuator/cdc/deadletters/" + seven).json();
					assertThat(notFixed).containsEntry("failed", seven).containsEntry("replayed", List.of());
					assertThat((String) notFixed.get("error")).contains("WRONGTYPE", "HSET act:order:7");

					redis.sync().del("act:order:7", "act:order:9");
					assertThat(http.post("/actuator/cdc/deadletters/" + seven).json())
						.containsEntry("listenerId", "redis-sink").containsEntry("failed", null);
					assertThat(redis.sync().hget("act:order:7", "status")).as("not skipped by the fence").isEqualTo("NEW");
					long nine = ((Number) deadLetters.get(1).get("id")).longValue();
					context.getBean(DeadLetters.class).replay(nine);
					assertThat(redis.sync().hget("act:order:9", "status")).isEqualTo("NEW");
					assertThat(deadLetters(http, "?listener=redis-sink")).isEmpty();
				});
		}
		finally {
			client.shutdown();
		}
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

	private org.springframework.boot.test.context.runner.WebApplicationContextRunner httpWithSlot(String slot) {
		return CdcHttp.runner().withPropertyValues(database.cdcProperties(slot))
			.withPropertyValues("cdc.publication.tables=orders,customers", "cdc.status-interval=500ms",
					"cdc.listener.retry.max-attempts=1", "cdc.listener.dead-letter-table=dl_" + slot);
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> deadLetters(CdcHttp http, String query) throws Exception {
		CdcHttp.Response response = http.get("/actuator/cdc/deadletters" + query);
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		return (List<Map<String, Object>>) response.json().get("deadLetters");
	}

	private static Map<String, Object> table(String name, int rowsDone, Integer rowsTotal, boolean done) {
		Map<String, Object> table = new java.util.LinkedHashMap<>();
		table.put("table", name);
		table.put("rowsDone", rowsDone);
		table.put("rowsTotal", rowsTotal);
		table.put("done", done);
		return table;
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
	static class GatedSnapshotReader {

		final CountDownLatch gate = new CountDownLatch(1);

		private int snapshotRows;

		@CdcListener(id = "gated", tables = "orders", operations = Operation.SNAPSHOT)
		void on(ChangeEvent event) throws InterruptedException {
			if (++this.snapshotRows > 1000) {
				this.gate.await(60, TimeUnit.SECONDS);
			}
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class FlakyCustomers {

		final Set<Long> broken = ConcurrentHashMap.newKeySet();

		final List<Long> handled = new CopyOnWriteArrayList<>();

		// an id like the default bean#method ones: "#" is %23 in a path
		@CdcListener(id = "flakyCustomers#on", tables = "customers")
		void on(ChangeEvent event) {
			long id = (Long) event.after().get("id");
			if (this.broken.contains(id)) {
				// an IllegalArgumentException of the listener's own is a failed replay, not a bad request
				throw new IllegalArgumentException("customer " + id + " is broken");
			}
			this.handled.add(id);
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
