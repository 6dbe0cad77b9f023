package dev.pgcdc.rabbit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.pgcdc.rabbit.RabbitTestSupport.Received;
import dev.pgcdc.replication.ConsumerJvm;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import dev.pgcdc.test.EmbeddedRabbitExtension;
import dev.pgcdc.test.EmbeddedRabbitSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The publishing application killed with SIGKILL three times during a workload: every change reaches the
 * queue at least once, and a change published twice carries the same message id both times, so consumers
 * can drop the duplicate.
 */
@ExtendWith(EmbeddedRabbitExtension.class)
class RabbitKillTests {

	@TempDir
	Path dir;

	@Test
	void sigkillThreeTimesLosesNothingAndDuplicatesKeepTheirMessageId(EmbeddedRabbitSupport.Node rabbit)
			throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("rabbit_kill");
		database.execute("CREATE TABLE orders (id int PRIMARY KEY, status text)");
		RabbitTestSupport.queue(rabbit, "cdc", "kill.orders", "public.orders.*");
		Path log = this.dir.resolve("rabbit-kill.log");
		String[] args = { database.jdbcUrl(), "rabbit_kill", Integer.toString(rabbit.port()) };
		Process consumer = ConsumerJvm.startStreaming(RabbitSinkProcess.class, log, 1, args);
		CompletableFuture<Integer> workload = CompletableFuture
			.supplyAsync(() -> RabbitTestSupport.orderWorkload(database, 3_000, 5, 1));
		try (Connection connection = rabbit.clientFactory().newConnection(); Channel channel = connection.createChannel()) {
			int total = 3_000 * 6;
			for (int kill = 1; kill <= 3; kill++) {
				long target = (long) total * kill / 5;
				await().atMost(Duration.ofSeconds(120)).until(() -> channel.messageCount("kill.orders") >= target);
				consumer.destroyForcibly().waitFor();
				consumer = ConsumerJvm.startStreaming(RabbitSinkProcess.class, log, kill + 1, args);
			}
			int changes = workload.get();
			List<Received> received = RabbitTestSupport.drainDistinct(rabbit, "kill.orders", changes);
			List<Received> distinct = RabbitTestSupport.firstOccurrences(received);
			assertThat(distinct).as("every change at least once").hasSize(changes);
			Map<String, String> idByChange = new HashMap<>();
			for (Received message : received) {
				String previous = idByChange.putIfAbsent(message.body(), message.messageId());
				assertThat(previous).as("a duplicate carries the same message id").isIn(null, message.messageId());
			}
			assertThat(idByChange).hasSize(changes);
			System.out.printf("RabbitMQ SIGKILL x3: %d changes, %d messages, %d duplicates, all with their message id%n",
					changes, received.size(), received.size() - distinct.size());
		}
		finally {
			consumer.destroyForcibly().waitFor();
		}
	}

}
