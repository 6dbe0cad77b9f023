package dev.pgcdc.rabbit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.ValueConverter;
import dev.pgcdc.replication.ChangeConsumer;
import dev.pgcdc.replication.ConnectionSettings;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.ReplicationSettings;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import dev.pgcdc.test.EmbeddedRabbitSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Engines, queues and the oracle of the RabbitMQ sink's tests: what a queue received, read with the plain
 * client, and the order of its messages by commit position and index.
 */
final class RabbitTestSupport {

	private RabbitTestSupport() {
	}

	static ReplicationSettings settings(TestDatabase database, String slot, List<String> tables) {
		return builder(database, slot, tables).build();
	}

	static ReplicationSettings.Builder builder(TestDatabase database, String slot, List<String> tables) {
		return ReplicationSettings
			.builder(new ConnectionSettings(database.jdbcUrl(), database.username(), database.password()), slot, slot)
			.tables(tables)
			.statusInterval(Duration.ofMillis(500))
			.heartbeatInterval(Duration.ofSeconds(5));
	}

	/**
	 * Commit {@code transactions} transactions on {@code orders (id int PRIMARY KEY, status text)}, each
	 * inserting {@code perTransaction} rows and updating the first of them: ids from {@code firstId}.
	 * @return the number of row changes made
	 */
	static int orderWorkload(TestDatabase database, int transactions, int perTransaction, int firstId) {
		try (java.sql.Connection connection = database.connect()) {
			connection.setAutoCommit(false);
			try (var insert = connection.prepareStatement("INSERT INTO orders VALUES (?, 'NEW')");
					var update = connection.prepareStatement("UPDATE orders SET status = 'PAID' WHERE id = ?")) {
				int id = firstId;
				for (int tx = 0; tx < transactions; tx++) {
					int first = id;
					for (int i = 0; i < perTransaction; i++) {
						insert.setInt(1, id++);
						insert.executeUpdate();
					}
					update.setInt(1, first);
					update.executeUpdate();
					connection.commit();
				}
			}
		}
		catch (java.sql.SQLException ex) {
			throw new IllegalStateException(ex);
		}
		return transactions * (perTransaction + 1);
	}

	/** An engine feeding the given sinks that stops on any consumer failure. */
	static ReplicationEngine engine(ReplicationSettings settings, List<? extends ChangeConsumer> sinks) {
		return new ReplicationEngine(settings, List.copyOf(sinks), (consumer, item, failure) -> {
			throw failure;
		}, ValueConverter.simple());
	}

	/**
	 * A message as a queue holds it.
	 *
	 * @param routingKey its routing key
	 * @param messageId its message id
	 * @param headers its headers, values as text
	 * @param body its body
	 * @param redelivered whether the broker delivered it before
	 */
	record Received(String routingKey, String messageId, Map<String, String> headers, String body,
			boolean redelivered) {

		String header(String name) {
			return this.headers.get(name);
		}

		/** The commit position and index of a change message, for ordering. */
		long[] position() {
			String[] parts = this.messageId.split(":");
			return new long[] { Lsn.parse(parts[0]).value(), Long.parseLong(parts[1]) };
		}

	}

	/** Take every message of a queue (acknowledging them) until {@code count} were read or two minutes passed. */
	static List<Received> drain(EmbeddedRabbitSupport.Node node, String queue, int count) throws Exception {
		return drainUntil(node, queue, (received) -> received.size() >= count);
	}

	/** Take every message of a queue until {@code count} distinct message ids were read (duplicates kept). */
	static List<Received> drainDistinct(EmbeddedRabbitSupport.Node node, String queue, int count) throws Exception {
		Set<String> ids = new HashSet<>();
		return drainUntil(node, queue, (received) -> {
			received.forEach((message) -> ids.add(message.messageId()));
			return ids.size() >= count;
		});
	}

	private static List<Received> drainUntil(EmbeddedRabbitSupport.Node node, String queue,
			Predicate<List<Received>> done) throws Exception {
		List<Received> received = new ArrayList<>();
		try (Connection connection = node.clientFactory().newConnection(); Channel channel = connection.createChannel()) {
			await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> {
				GetResponse response;
				while ((response = channel.basicGet(queue, true)) != null) {
					received.add(received(response));
				}
				return done.test(received);
			});
			// nothing more than expected: wait a moment for stragglers
			Thread.sleep(300);
			GetResponse extra;
			while ((extra = channel.basicGet(queue, true)) != null) {
				received.add(received(extra));
			}
		}
		return received;
	}

	/** The messages with the first occurrence of each message id, in arrival order. */
	static List<Received> firstOccurrences(List<Received> messages) {
		Set<String> seen = new HashSet<>();
		return messages.stream().filter((message) -> seen.add(message.messageId())).toList();
	}

	private static Received received(GetResponse response) {
		Map<String, String> headers = new java.util.LinkedHashMap<>();
		Map<String, Object> raw = response.getProps().getHeaders();
		if (raw != null) {
			raw.forEach((name, value) -> headers.put(name, String.valueOf(value)));
		}
		return new Received(response.getEnvelope().getRoutingKey(), response.getProps().getMessageId(), headers,
				new String(response.getBody(), StandardCharsets.UTF_8), response.getEnvelope().isRedeliver());
	}

	/** Declare (or purge) a durable queue bound to an exchange by some patterns. */
	static void queue(EmbeddedRabbitSupport.Node node, String exchange, String queue, String... bindings)
			throws IOException, TimeoutException {
		try (Connection connection = node.clientFactory().newConnection(); Channel channel = connection.createChannel()) {
			channel.exchangeDeclare(exchange, "topic", true);
			channel.queueDeclare(queue, true, false, false, null);
			channel.queuePurge(queue);
			for (String binding : bindings) {
				channel.queueBind(queue, exchange, binding);
			}
		}
	}

	/** Assert that change messages are in commit order: (commit position, index) strictly increases. */
	static void assertCommitOrder(List<Received> messages) {
		long[] last = { 0, -1 };
		for (int i = 0; i < messages.size(); i++) {
			long[] position = messages.get(i).position();
			boolean after = position[0] > last[0] || (position[0] == last[0] && position[1] > last[1]);
			assertThat(after).as("message %d (%s) after %s:%s", i, messages.get(i).messageId(), new Lsn(last[0]),
					last[1]).isTrue();
			last = position;
		}
	}

}
