package dev.pgcdc.rabbit;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import dev.pgcdc.event.TableId;
import dev.pgcdc.listener.DeadLetters;
import dev.pgcdc.outbox.OutboxCodec;
import dev.pgcdc.redis.ChangeEventJson;
import dev.pgcdc.replication.ReplicationSettings;

import org.springframework.amqp.rabbit.connection.ConnectionFactory;

/**
 * Builds a {@link RabbitSink} from its configuration, checking it first: a problem fails with a message
 * naming the property and the fix.
 *
 * @author pgcdc
 */
public final class RabbitSinkFactory {

	private RabbitSinkFactory() {
	}

	/**
	 * Create a sink.
	 * @param settings how to publish
	 * @param replication the engine's settings (slot, captured and opt-in tables, database)
	 * @param outbox reads outbox rows and messages, or {@code null} when the outbox is off
	 * @param connectionFactory the application's RabbitMQ connection factory
	 * @param deadLetters supplies the dead-letter store, or {@code null}
	 * @return the sink, not started
	 * @throws IllegalStateException if the configuration is wrong
	 */
	public static RabbitSink create(RabbitSinkSettings settings, ReplicationSettings replication, OutboxCodec outbox,
			ConnectionFactory connectionFactory, Supplier<DeadLetters> deadLetters) {
		check(settings);
		List<TableId> published = replication.tables().stream().map(TableId::parse).toList();
		Predicate<TableId> captured = (table) -> published.isEmpty() || published.contains(table);
		Predicate<TableId> tables;
		if (settings.tables().isEmpty()) {
			tables = replication.optInMatcher().negate();
		}
		else {
			Set<TableId> listed = settings.tables().stream().map(TableId::parse).collect(Collectors.toSet());
			for (TableId table : listed) {
				if (!captured.test(table)) {
					throw new IllegalStateException("cdc.rabbit.tables lists " + table + ", which is not captured: "
							+ "add it to cdc.publication.tables");
				}
			}
			tables = listed::contains;
		}
		RabbitMessages messages = new RabbitMessages(settings, replication.slotName(),
				ChangeEventJson.databaseName(replication.connection().url()));
		return new RabbitSink(settings, tables, messages, outbox, connectionFactory, deadLetters);
	}

	private static void check(RabbitSinkSettings settings) {
		if (settings.exchange() == null) {
			throw new IllegalStateException("cdc.rabbit.exchange is not set; use a topic exchange name such as cdc");
		}
		String format = (settings.format() != null) ? settings.format().toLowerCase(Locale.ROOT) : "";
		if (!format.equals(RabbitSinkSettings.NATIVE) && !format.equals(RabbitSinkSettings.DEBEZIUM)) {
			throw new IllegalStateException("cdc.rabbit.format is '" + settings.format() + "'; use native or debezium");
		}
		if (settings.routingKey() == null || settings.routingKey().isBlank()) {
			throw new IllegalStateException("cdc.rabbit.routing-key is empty; use a pattern such as {schema}.{table}.{op}");
		}
		if (settings.outbox() && (settings.outboxRoutingKey() == null || settings.outboxRoutingKey().isBlank())) {
			throw new IllegalStateException("cdc.rabbit.outbox.routing-key is empty; use a pattern such as "
					+ "{aggregate_type}.{event_type}, or set cdc.rabbit.outbox.enabled=false");
		}
		if (settings.failurePolicy() == null) {
			throw new IllegalStateException("cdc.rabbit.failure-policy is not set; use dead-letter, skip or stop");
		}
		if (settings.maxInFlight() < 1 || settings.maxInFlightBytes() < 1) {
			throw new IllegalStateException("cdc.rabbit.max-in-flight and cdc.rabbit.max-in-flight-size must be "
					+ "positive (1024 and 16MB are good starts)");
		}
		if (settings.retryInitialInterval().isNegative()
				|| settings.retryMaxInterval().compareTo(settings.retryInitialInterval()) < 0) {
			throw new IllegalStateException("cdc.rabbit.retry.max-interval must not be shorter than "
					+ "cdc.rabbit.retry.initial-interval, and neither negative");
		}
		for (RabbitQueueSpec queue : settings.declare()) {
			if (queue.queue() == null || queue.queue().isBlank()) {
				throw new IllegalStateException("cdc.rabbit.declare has an entry without a queue name; set its queue");
			}
			if (queue.bindings().isEmpty()) {
				throw new IllegalStateException("cdc.rabbit.declare queue '" + queue.queue() + "' has no bindings; "
						+ "add routing-key patterns such as public.orders.* or #");
			}
			if (settings.exchange().isEmpty()) {
				throw new IllegalStateException("cdc.rabbit.declare binds queues to the exchange, but cdc.rabbit.exchange "
						+ "is empty (the default exchange takes no bindings); name a topic exchange such as cdc");
			}
		}
	}

}
