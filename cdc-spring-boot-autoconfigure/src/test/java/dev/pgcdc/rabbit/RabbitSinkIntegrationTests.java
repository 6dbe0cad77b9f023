package dev.pgcdc.rabbit;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.pgcdc.event.Lsn;
import dev.pgcdc.listener.FailurePolicy;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.ReplicationSettings;
import dev.pgcdc.rabbit.RabbitTestSupport.Received;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import dev.pgcdc.test.EmbeddedRabbitExtension;
import dev.pgcdc.test.EmbeddedRabbitSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The RabbitMQ sink on a real broker: a mixed workload reaches queues bound by table and by operation,
 * each change once and in commit order, in both body formats; and an unroutable message goes to the
 * failure policy.
 */
@ExtendWith(EmbeddedRabbitExtension.class)
class RabbitSinkIntegrationTests {

	@Test
	void mixedWorkloadReachesQueuesByTableAndOperationOnceInCommitOrder(EmbeddedRabbitSupport.Node rabbit)
			throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("rabbit_mixed");
		database.execute("CREATE TABLE orders (id int PRIMARY KEY, status text, total numeric(10,2))",
				"CREATE TABLE customers (id int PRIMARY KEY, name text)");
		ReplicationSettings settings = RabbitTestSupport.settings(database, "rabbit_mixed", List.of("orders", "customers"));
		RabbitTestSupport.queue(rabbit, "mixed", "mixed.all", "#");
		RabbitTestSupport.queue(rabbit, "mixed.dbz", "mixed.dbz.orders", "public.orders.*");
		// the topology of cdc.rabbit.declare: a queue per table, one for deletes, with dead-letter queues
		RabbitSinkSettings nativeSettings = RabbitSinkSettings.defaults()
			.withExchange("mixed")
			.withDeclare(List.of(new RabbitQueueSpec("mixed.orders", List.of("public.orders.*"), "mixed.dlx"),
					new RabbitQueueSpec("mixed.deletes", List.of("*.*.delete"), null),
					new RabbitQueueSpec("mixed.truncates", List.of("#.truncate"), null)));
		RabbitSinkSettings debeziumSettings = RabbitSinkSettings.defaults()
			.withExchange("mixed.dbz")
			.withFormat("debezium")
			.withTables(List.of("orders"));
		CachingConnectionFactory factory = rabbit.connectionFactory();
		RabbitSink nativeSink = RabbitSinkFactory.create(nativeSettings, settings, null, factory, null);
		RabbitSink debeziumSink = RabbitSinkFactory.create(debeziumSettings, settings, null, factory, null);
		ReplicationEngine engine = RabbitTestSupport.engine(settings, List.of(nativeSink, debeziumSink));
		nativeSink.start();
		debeziumSink.start();
		engine.start();
		try {
			await().atMost(Duration.ofSeconds(60)).until(() -> engine.state() == EngineState.STREAMING);
			database.execute("INSERT INTO customers VALUES (1, 'Ada')");
			database.execute("INSERT INTO orders SELECT g, 'NEW', g / 100.0 FROM generate_series(1, 10000) g");
			for (int k = 0; k < 50; k++) {
				database.execute("UPDATE orders SET status = 'PAID' WHERE id BETWEEN " + (k * 10 + 1) + " AND "
						+ (k * 10 + 10));
			}
			database.execute("DELETE FROM orders WHERE id > 9000");
			database.execute("TRUNCATE customers");
			int changes = 1 + 10_000 + 500 + 1_000 + 1;

			List<Received> all = RabbitTestSupport.drain(rabbit, "mixed.all", changes);
			assertThat(all).as("every change once").hasSize(changes);
			assertThat(new HashSet<>(all.stream().map(Received::messageId).toList())).hasSize(changes);
			RabbitTestSupport.assertCommitOrder(all);
			Received first = all.get(0);
			assertThat(first.routingKey()).isEqualTo("public.customers.insert");
			assertThat(first.body()).startsWith("{\"op\":\"insert\",\"table\":\"public.customers\",\"lsn\":\"")
				.contains("\"xid\":")
				.endsWith(",\"after\":{\"id\":1,\"name\":\"Ada\"}}");
			assertThat(first.headers()).containsEntry("op", "insert").containsEntry("table", "public.customers")
				.containsKeys("lsn", "commit_lsn", "xid", "commit_time");
			assertThat(first.messageId()).isEqualTo(first.header("commit_lsn") + ":0");
			assertThat(all.get(changes - 1).routingKey()).isEqualTo("public.customers.truncate");

			List<Received> orders = RabbitTestSupport.drain(rabbit, "mixed.orders", 11_500);
			assertThat(orders).hasSize(11_500).allSatisfy((m) -> assertThat(m.routingKey()).startsWith("public.orders."));
			RabbitTestSupport.assertCommitOrder(orders);
			List<Received> deletes = RabbitTestSupport.drain(rabbit, "mixed.deletes", 1_000);
			assertThat(deletes).hasSize(1_000).allSatisfy((m) -> {
				assertThat(m.header("op")).isEqualTo("delete");
				assertThat(m.body()).contains("\"before\":{\"id\":").doesNotContain("\"after\"");
			});
			RabbitTestSupport.assertCommitOrder(deletes);
			assertThat(RabbitTestSupport.drain(rabbit, "mixed.truncates", 1)).singleElement()
				.satisfies((m) -> assertThat(m.header("table")).isEqualTo("public.customers"));

			List<Received> debezium = RabbitTestSupport.drain(rabbit, "mixed.dbz.orders", 11_500);
			assertThat(debezium).hasSize(11_500);
			RabbitTestSupport.assertCommitOrder(debezium);
			assertThat(debezium.get(0).header("key")).isEqualTo("{\"id\":1}");
			// Debezium's default decimal handling (precise): numeric(10,2) 0.01 is the unscaled 1, base64-encoded
			assertThat(debezium.get(0).body()).startsWith("{\"before\":null,\"after\":{\"id\":1,\"status\":\"NEW\","
					+ "\"total\":\"AQ==\"},\"source\":{\"version\":\"pgcdc\",\"connector\":\"postgresql\",\"name\":\"rabbit_mixed\"")
				.contains("\"op\":\"c\"");
			assertThat(debezium.get(11_499).body()).contains("\"after\":null").contains("\"op\":\"d\"");

			await().atMost(Duration.ofSeconds(30)).until(() -> nativeSink.statistics().backlog() == 0
					&& Lsn.parse(database.confirmedFlush("rabbit_mixed")).compareTo(nativeSink.confirmedLsn()) >= 0);
			assertThat(nativeSink.statistics().confirmed()).isEqualTo(changes);
			assertThat(nativeSink.statistics().state()).isEqualTo(RabbitSinkState.PUBLISHING);
		}
		finally {
			engine.stop();
			nativeSink.stop();
			debeziumSink.stop();
			factory.destroy();
		}
	}

	@Test
	void unroutableMessageWithStopStopsCaptureAndConfirmsNothing(EmbeddedRabbitSupport.Node rabbit) throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("rabbit_stop");
		database.execute("CREATE TABLE orders (id int PRIMARY KEY, status text)",
				"CREATE TABLE audit (id int PRIMARY KEY, note text)");
		ReplicationSettings settings = RabbitTestSupport.settings(database, "rabbit_stop", List.of("orders", "audit"));
		RabbitTestSupport.queue(rabbit, "stopping", "stopping.orders", "public.orders.*");
		CachingConnectionFactory factory = rabbit.connectionFactory();
		RabbitSink sink = RabbitSinkFactory.create(RabbitSinkSettings.defaults().withExchange("stopping")
			.withFailurePolicy(FailurePolicy.STOP), settings, null, factory, null);
		ReplicationEngine engine = RabbitTestSupport.engine(settings, List.of(sink));
		sink.start();
		engine.start();
		try {
			await().atMost(Duration.ofSeconds(60)).until(() -> engine.state() == EngineState.STREAMING);
			database.execute("INSERT INTO orders VALUES (1, 'NEW')");
			await().atMost(Duration.ofSeconds(30)).until(() -> sink.statistics().confirmed() == 1);
			await().atMost(Duration.ofSeconds(30))
				.until(() -> Lsn.parse(database.confirmedFlush("rabbit_stop")).equals(sink.confirmedLsn()));
			Lsn before = sink.confirmedLsn();
			// no queue is bound for public.audit.insert: the broker returns the message
			database.execute("INSERT INTO audit VALUES (1, 'nobody listens')");
			database.execute("INSERT INTO orders VALUES (2, 'NEW')");
			await().atMost(Duration.ofSeconds(30)).until(() -> engine.state() == EngineState.FAILED);
			assertThat(engine.lastError()).contains("returned it as unroutable").contains("public.audit.insert")
				.contains("cdc.rabbit.failure-policy=stop").contains("Bind a queue");
			assertThat(sink.statistics().state()).isEqualTo(RabbitSinkState.FAILED);
			assertThat(sink.confirmedLsn()).as("nothing from the returned message on is confirmed").isEqualTo(before);
			assertThat(Lsn.parse(database.confirmedFlush("rabbit_stop"))).isLessThanOrEqualTo(before);
		}
		finally {
			engine.stop();
			sink.stop();
			factory.destroy();
		}
	}

}
