package dev.pgcdc.rabbit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Command;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.TrafficListener;
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
import static org.awaitility.Awaitility.await;

/**
 * Takeover with a backlog: instance A's sink holds its publishes until the whole workload is in its window,
 * then publishes slowly (2 ms a message), so it holds most of the workload unpublished when its walsender is
 * terminated, and instance B takes the slot over. A publishes
 * nothing once B has started (its backlog waits while A's connection is lost, and is dropped when A learns
 * that B holds the slot), so the queue never gets an older change after a newer one; every change arrives.
 * Each instance publishes to an exchange of its own, both bound to the one queue, so that every message
 * says which instance published it.
 */
@ExtendWith(EmbeddedRabbitExtension.class)
class RabbitTakeoverTests {

	private static final int ROWS = 3_000;

	@Test
	void theInstanceThatLostTheSlotPublishesNothingOnceTheOtherHasStarted(EmbeddedRabbitSupport.Node rabbit)
			throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("rabbit_takeover");
		database.execute("CREATE TABLE orders (id int PRIMARY KEY, status text)");
		String slot = "rabbit_takeover";
		RabbitTestSupport.queue(rabbit, "takeover.a", "takeover.all", "#");
		RabbitTestSupport.queue(rabbit, "takeover.b", "takeover.all", "#");
		// A comes back late, so that B (polling every second) surely takes the slot over meanwhile
		ReplicationSettings settingsA = RabbitTestSupport.builder(database, slot, List.of("orders"))
			.reconnect(Duration.ofSeconds(15), Duration.ofSeconds(30))
			.build();
		ReplicationSettings settingsB = RabbitTestSupport.builder(database, slot, List.of("orders"))
			.reconnect(Duration.ofMillis(200), Duration.ofSeconds(1))
			.build();
		AtomicBoolean slow = new AtomicBoolean(true);
		CountDownLatch released = new CountDownLatch(1);
		CachingConnectionFactory factoryA = slowFactory(rabbit, slow, released);
		CachingConnectionFactory factoryB = rabbit.connectionFactory();
		RabbitSink sinkA = RabbitSinkFactory.create(RabbitSinkSettings.defaults().withExchange("takeover.a"), settingsA,
				null, factoryA, null);
		RabbitSink sinkB = RabbitSinkFactory.create(RabbitSinkSettings.defaults().withExchange("takeover.b"), settingsB,
				null, factoryB, null);
		ReplicationEngine a = RabbitTestSupport.engine(settingsA, List.of(sinkA));
		ReplicationEngine b = RabbitTestSupport.engine(settingsB, List.of(sinkB));
		sinkA.start();
		a.start();
		try {
			await().atMost(Duration.ofSeconds(60)).until(() -> a.state() == EngineState.STREAMING);
			sinkB.start();
			b.start();
			await().atMost(Duration.ofSeconds(30)).until(() -> b.state() == EngineState.STANDBY);
			for (int t = 0; t < ROWS / 10; t++) {
				database.execute("INSERT INTO orders SELECT g, 'NEW' FROM generate_series(" + (t * 10 + 1) + ", "
						+ (t * 10 + 10) + ") g");
			}
			// how fast the inserts run must not decide the backlog: A publishes only once it holds them all
			await().atMost(Duration.ofSeconds(60)).until(() -> sinkA.statistics().backlog() == ROWS);
			released.countDown();
			await().atMost(Duration.ofSeconds(30)).until(() -> sinkA.statistics().published() >= 300);
			assertThat(sinkA.statistics().backlog()).as("a backlog in A's sink").isGreaterThan(1_000);
			database.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '"
					+ slot + "'");
			await().atMost(Duration.ofSeconds(30)).until(() -> b.state() == EngineState.STREAMING);
			await().atMost(Duration.ofSeconds(60)).until(() -> a.state() == EngineState.STANDBY);
			await().atMost(Duration.ofSeconds(30)).until(() -> sinkA.statistics().backlog() == 0);
			assertThat(sinkA.statistics().backlogBytes()).as("A gave its backlog's memory back").isZero();
			List<String[]> received = drain(rabbit, "takeover.all", ROWS);
			int firstOfB = -1;
			for (int i = 0; i < received.size() && firstOfB < 0; i++) {
				if (received.get(i)[0].equals("takeover.b")) {
					firstOfB = i;
				}
			}
			assertThat(firstOfB).as("B published").isNotNegative();
			long lateOfA = received.subList(firstOfB, received.size())
				.stream()
				.filter((message) -> message[0].equals("takeover.a"))
				.count();
			System.out.printf("RabbitMQ takeover with a backlog: A published %d, B %d, A after B started: %d%n",
					firstOfB, received.size() - firstOfB, lateOfA);
			assertThat(lateOfA).as("messages of A after B's first").isZero();
			Set<String> ids = new HashSet<>();
			received.forEach((message) -> ids.add(message[1]));
			assertThat(ids).as("every change, once A's or B's").hasSize(ROWS);
		}
		finally {
			slow.set(false);
			released.countDown();
			a.stop();
			b.stop();
			sinkA.stop();
			sinkB.stop();
			factoryA.destroy();
			factoryB.destroy();
		}
	}

	/**
	 * A connection factory whose publishes wait for {@code released}, then take 2 ms each, while {@code slow}
	 * is set.
	 */
	private static CachingConnectionFactory slowFactory(EmbeddedRabbitSupport.Node rabbit, AtomicBoolean slow,
			CountDownLatch released) {
		ConnectionFactory client = rabbit.clientFactory();
		client.setTrafficListener(new TrafficListener() {

			@Override
			public void write(Command command) {
				if (slow.get() && command.getMethod() instanceof AMQP.Basic.Publish) {
					try {
						released.await(60, TimeUnit.SECONDS);
						TimeUnit.MILLISECONDS.sleep(2);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
				}
			}

			@Override
			public void read(Command command) {
			}

		});
		return new CachingConnectionFactory(client);
	}

	/** Every message of the queue in arrival order, as (exchange, message id), until {@code distinct} ids. */
	private static List<String[]> drain(EmbeddedRabbitSupport.Node rabbit, String queue, int distinct)
			throws Exception {
		List<String[]> received = new ArrayList<>();
		Set<String> ids = new HashSet<>();
		try (Connection connection = rabbit.clientFactory().newConnection();
				Channel channel = connection.createChannel()) {
			await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> {
				GetResponse response;
				while ((response = channel.basicGet(queue, true)) != null) {
					received.add(new String[] { response.getEnvelope().getExchange(), response.getProps().getMessageId() });
					ids.add(response.getProps().getMessageId());
				}
				return ids.size() >= distinct;
			});
		}
		return received;
	}

}
