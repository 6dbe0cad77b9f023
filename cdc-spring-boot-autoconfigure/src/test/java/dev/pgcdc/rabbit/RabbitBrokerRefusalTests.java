package dev.pgcdc.rabbit;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.listener.FailurePolicy;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.ReplicationSettings;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import dev.pgcdc.test.EmbeddedRabbitExtension;
import dev.pgcdc.test.EmbeddedRabbitSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * What the broker refuses: a message nacked by a full queue under the skip policy, a blocked connection
 * (memory alarm) that holds every message until it lifts, and an exchange that exists with another type.
 */
@ExtendWith(EmbeddedRabbitExtension.class)
class RabbitBrokerRefusalTests {

	@Test
	void nackedMessageWithSkipIsCountedAndPublishingGoesOn(EmbeddedRabbitSupport.Node rabbit) throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("rabbit_nack");
		database.execute("CREATE TABLE orders (id int PRIMARY KEY, status text)");
		try (Connection connection = rabbit.clientFactory().newConnection(); Channel channel = connection.createChannel()) {
			channel.exchangeDeclare("nacking", "topic", true);
			// a full queue that rejects publishes: the broker nacks the second message
			channel.queueDeclare("nacking.one", true, false, false,
					Map.of("x-max-length", 1, "x-overflow", "reject-publish"));
			channel.queueBind("nacking.one", "nacking", "#");
		}
		Outcome outcome = run(rabbit, database, "rabbit_nack",
				RabbitSinkSettings.defaults().withExchange("nacking").withFailurePolicy(FailurePolicy.SKIP), (sink) -> {
					database.execute("INSERT INTO orders VALUES (1, 'NEW')", "INSERT INTO orders VALUES (2, 'NEW')");
					await().atMost(Duration.ofSeconds(30)).until(() -> sink.statistics().skipped() == 1);
					assertThat(sink.statistics().nacked()).isEqualTo(1);
					assertThat(sink.statistics().lastError()).contains("refused it (basic.nack)");
					await().atMost(Duration.ofSeconds(30)).until(() -> sink.statistics().backlog() == 0);
				});
		assertThat(outcome.state).isEqualTo(EngineState.STREAMING);
	}

	@Test
	void blockedConnectionHoldsMessagesUntilTheAlarmLifts(EmbeddedRabbitSupport.Node rabbit) throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("rabbit_blocked");
		database.execute("CREATE TABLE orders (id int PRIMARY KEY, status text)");
		RabbitTestSupport.queue(rabbit, "blocking", "blocking.orders", "#");
		Lsn[] flushedWhileBlocked = new Lsn[1];
		run(rabbit, database, "rabbit_blocked", RabbitSinkSettings.defaults().withExchange("blocking"), (sink) -> {
			database.execute("INSERT INTO orders VALUES (1, 'NEW')");
			await().atMost(Duration.ofSeconds(30)).until(() -> sink.statistics().confirmed() == 1);
			rabbit.ctl("set_vm_memory_high_watermark", "0.0000001");
			try {
				database.execute("INSERT INTO orders SELECT g, 'NEW' FROM generate_series(2, 101) g");
				await().atMost(Duration.ofSeconds(30)).until(() -> sink.statistics().state() == RabbitSinkState.BLOCKED);
				Lsn blockedAt = sink.confirmedLsn();
				await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> true);
				assertThat(sink.confirmedLsn()).as("nothing confirmed while blocked").isEqualTo(blockedAt);
				assertThat(sink.statistics().backlog()).isEqualTo(100);
				flushedWhileBlocked[0] = Lsn.parse(database.confirmedFlush("rabbit_blocked"));
			}
			finally {
				rabbit.ctl("set_vm_memory_high_watermark", "0.4");
			}
			await().atMost(Duration.ofSeconds(30)).until(() -> sink.statistics().confirmed() == 101);
			assertThat(sink.statistics().state()).isEqualTo(RabbitSinkState.PUBLISHING);
			List<RabbitTestSupport.Received> received = RabbitTestSupport.drain(rabbit, "blocking.orders", 101);
			assertThat(received).hasSize(101);
			// a transaction is sent again after a restart unless its commit is confirmed: the held-back one was not
			assertThat(flushedWhileBlocked[0]).as("PostgreSQL's confirmed position while blocked")
				.isLessThanOrEqualTo(Lsn.parse(received.get(1).header("commit_lsn")));
		});
	}

	@Test
	void exchangeOfAnotherTypeFailsStartNamingTheFix(EmbeddedRabbitSupport.Node rabbit) throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("rabbit_conflict");
		try (Connection connection = rabbit.clientFactory().newConnection(); Channel channel = connection.createChannel()) {
			channel.exchangeDeclare("conflicting", "direct", true);
		}
		ReplicationSettings settings = RabbitTestSupport.settings(database, "rabbit_conflict", List.of());
		CachingConnectionFactory factory = rabbit.connectionFactory();
		RabbitSink sink = RabbitSinkFactory.create(RabbitSinkSettings.defaults().withExchange("conflicting"), settings,
				null, factory, null);
		try {
			assertThatIllegalStateException().isThrownBy(sink::start)
				.withMessageContaining("RabbitMQ refused to declare the exchange 'conflicting'")
				.withMessageContaining("PRECONDITION_FAILED")
				.withMessageContaining("change cdc.rabbit.exchange");
			assertThat(sink.statistics().state()).isEqualTo(RabbitSinkState.FAILED);
		}
		finally {
			sink.stop();
			factory.destroy();
		}
	}

	private static Outcome run(EmbeddedRabbitSupport.Node rabbit, TestDatabase database, String slot,
			RabbitSinkSettings sinkSettings, SinkCheck check) throws Exception {
		ReplicationSettings settings = RabbitTestSupport.settings(database, slot, List.of("orders"));
		CachingConnectionFactory factory = rabbit.connectionFactory();
		RabbitSink sink = RabbitSinkFactory.create(sinkSettings, settings, null, factory, null);
		ReplicationEngine engine = RabbitTestSupport.engine(settings, List.of(sink));
		sink.start();
		engine.start();
		try {
			await().atMost(Duration.ofSeconds(60))
				.until(() -> engine.state() == EngineState.STREAMING || engine.state() == EngineState.FAILED);
			check.accept(sink);
			return new Outcome(engine.state(), engine.lastError());
		}
		finally {
			engine.stop();
			sink.stop();
			factory.destroy();
		}
	}

	@FunctionalInterface
	interface SinkCheck {

		void accept(RabbitSink sink) throws Exception;

	}

	record Outcome(EngineState state, String lastError) {
	}

}
