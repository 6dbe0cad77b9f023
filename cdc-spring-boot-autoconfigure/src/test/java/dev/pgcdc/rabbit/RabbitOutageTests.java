package dev.pgcdc.rabbit;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.pgcdc.event.Lsn;
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
 * The broker stopped for 20 seconds in the middle of a workload: the sink retries with back-off, confirms
 * nothing the broker has not confirmed, and after the restart every change is in the queue, in commit order
 * (a message published again after the outage keeps its message id). Meanwhile the sink's backlog fills
 * the engine's memory budget and no more.
 */
@ExtendWith(EmbeddedRabbitExtension.class)
class RabbitOutageTests {

	@Test
	void brokerDownForTwentySecondsLosesNothingAndKeepsOrder() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("rabbit_outage");
		database.execute("CREATE TABLE orders (id int PRIMARY KEY, status text)");
		// a small budget, so that the outage fills it: the sink's backlog is bounded by it in bytes
		long budget = 4L * 1024 * 1024;
		ReplicationSettings settings = RabbitTestSupport.builder(database, "rabbit_outage", List.of("orders"))
			.memory(budget, null)
			.build();
		try (EmbeddedRabbitSupport.Node rabbit = EmbeddedRabbitSupport.startNew("outage")) {
			RabbitTestSupport.queue(rabbit, "cdc", "outage.orders", "public.orders.*");
			CachingConnectionFactory factory = rabbit.connectionFactory();
			RabbitSink sink = RabbitSinkFactory.create(RabbitSinkSettings.defaults()
				.withRetry(Duration.ofMillis(200), Duration.ofSeconds(1)), settings, null, factory, null);
			ReplicationEngine engine = RabbitTestSupport.engine(settings, List.of(sink));
			sink.start();
			engine.start();
			try {
				await().atMost(Duration.ofSeconds(60)).until(() -> engine.state() == EngineState.STREAMING);
				CompletableFuture<Integer> workload = CompletableFuture
					.supplyAsync(() -> RabbitTestSupport.orderWorkload(database, 3_000, 5, 1));
				await().atMost(Duration.ofSeconds(60)).until(() -> sink.statistics().confirmed() >= 2_000);
				rabbit.stop();
				long stoppedAt = System.nanoTime();
				await().atMost(Duration.ofSeconds(10)).until(() -> sink.statistics().retries() > 0);
				assertThat(sink.statistics().state()).isEqualTo(RabbitSinkState.RETRYING);
				Lsn confirmedWhenDown = sink.confirmedLsn();
				// the deliberate outage: 20 s without a broker while PostgreSQL keeps committing
				await().pollDelay(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(21)).until(() -> true);
				assertThat(sink.confirmedLsn()).as("nothing confirmed while the broker is down").isEqualTo(confirmedWhenDown);
				// compared after the drain with the commit of the first transaction the broker has not confirmed:
				// the engine may confirm a quiet stream's server position, past the last transaction's end but
				// before the next commit, and PostgreSQL sends again every transaction committed from there on
				Lsn slotWhenDown = Lsn.parse(database.confirmedFlush("rabbit_outage"));
				assertThat(engine.memory().maxBytes()).isEqualTo(budget);
				assertThat(sink.statistics().backlogBytes()).as("the backlog is reserved from the engine's budget")
					.isGreaterThan(budget / 4)
					.isLessThanOrEqualTo(budget);
				assertThat(engine.memory().highWaterBytes()).as("the budget's high-water mark")
					.isLessThanOrEqualTo(budget + 64 * 1024);
				int backlog = sink.statistics().backlog();
				rabbit.start();
				double outage = (System.nanoTime() - stoppedAt) / 1e9;
				int changes = workload.get();
				List<Received> received = RabbitTestSupport.drainDistinct(rabbit, "outage.orders", changes);
				List<Received> distinct = RabbitTestSupport.firstOccurrences(received);
				assertThat(distinct).as("every change, none lost").hasSize(changes);
				RabbitTestSupport.assertCommitOrder(distinct);
				Lsn firstUnconfirmedCommit = distinct.stream()
					.map((message) -> Lsn.parse(message.headers().get("commit_lsn")))
					.filter((commit) -> commit.compareTo(confirmedWhenDown) > 0)
					.min(Lsn::compareTo)
					.orElseThrow();
				assertThat(slotWhenDown)
					.as("PostgreSQL's confirmed position never passes the commit of an unconfirmed transaction")
					.isLessThanOrEqualTo(firstUnconfirmedCommit);
				await().atMost(Duration.ofSeconds(30)).until(() -> sink.statistics().backlog() == 0);
				assertThat(sink.statistics().backlogBytes()).as("every reservation given back").isZero();
				System.out.printf("RabbitMQ outage: down %.1f s, %d retries, backlog %d messages in a %d-byte budget, "
						+ "%d changes, %d messages (%d again after the outage), in commit order%n", outage,
						sink.statistics().retries(), backlog, budget, changes, received.size(),
						received.size() - distinct.size());
			}
			finally {
				engine.stop();
				sink.stop();
				factory.destroy();
			}
		}
	}

}
