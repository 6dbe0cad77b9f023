package dev.pgcdc.rabbit;

import java.time.Duration;
import java.util.List;

import dev.pgcdc.listener.FailurePolicy;

/**
 * How the RabbitMQ sink publishes, as set by the {@code cdc.rabbit.*} properties.
 *
 * @param exchange the topic exchange, declared durable if absent
 * @param tables the tables to publish, empty for every captured table except the outbox table
 * @param routingKey the routing key of a change, with {@code {schema}}, {@code {table}} and {@code {op}}
 * @param format the message body: {@code native} or {@code debezium}
 * @param outbox whether to publish one message per outbox event (when the outbox is on)
 * @param outboxRoutingKey the routing key of an outbox event, with {@code {aggregate_type}},
 * {@code {event_type}} and {@code {aggregate_id}}
 * @param failurePolicy what happens to a message the broker returned as unroutable or refused
 * @param maxInFlight the most messages published and not yet confirmed
 * @param maxInFlightBytes the most body bytes published and not yet confirmed
 * @param retryInitialInterval the first wait before connecting again after the broker failed
 * @param retryMaxInterval the longest wait between attempts
 * @param declare queues to declare and bind to the exchange, empty for none
 * @author pgcdc
 */
public record RabbitSinkSettings(String exchange, List<String> tables, String routingKey, String format,
		boolean outbox, String outboxRoutingKey, FailurePolicy failurePolicy, int maxInFlight, long maxInFlightBytes,
		Duration retryInitialInterval, Duration retryMaxInterval, List<RabbitQueueSpec> declare) {

	/** The body layout of the native format. */
	public static final String NATIVE = "native";

	/** The body layout of the Debezium format. */
	public static final String DEBEZIUM = "debezium";

	public RabbitSinkSettings {
		tables = (tables != null) ? List.copyOf(tables) : List.of();
		declare = (declare != null) ? List.copyOf(declare) : List.of();
	}

	/**
	 * Return the defaults of the {@code cdc.rabbit.*} properties.
	 * @return the default settings
	 */
	public static RabbitSinkSettings defaults() {
		return new RabbitSinkSettings("cdc", List.of(), "{schema}.{table}.{op}", NATIVE, true,
				"{aggregate_type}.{event_type}", FailurePolicy.DEAD_LETTER, 1024, 16L * 1024 * 1024,
				Duration.ofMillis(200), Duration.ofSeconds(10), List.of());
	}

	/**
	 * Return a copy with other tables.
	 * @param tables the tables
	 * @return the copy
	 */
	public RabbitSinkSettings withTables(List<String> tables) {
		return new RabbitSinkSettings(this.exchange, tables, this.routingKey, this.format, this.outbox,
				this.outboxRoutingKey, this.failurePolicy, this.maxInFlight, this.maxInFlightBytes,
				this.retryInitialInterval, this.retryMaxInterval, this.declare);
	}

	/**
	 * Return a copy with another exchange.
	 * @param exchange the exchange
	 * @return the copy
	 */
	public RabbitSinkSettings withExchange(String exchange) {
		return new RabbitSinkSettings(exchange, this.tables, this.routingKey, this.format, this.outbox,
				this.outboxRoutingKey, this.failurePolicy, this.maxInFlight, this.maxInFlightBytes,
				this.retryInitialInterval, this.retryMaxInterval, this.declare);
	}

	/**
	 * Return a copy with another body format.
	 * @param format {@code native} or {@code debezium}
	 * @return the copy
	 */
	public RabbitSinkSettings withFormat(String format) {
		return new RabbitSinkSettings(this.exchange, this.tables, this.routingKey, format, this.outbox,
				this.outboxRoutingKey, this.failurePolicy, this.maxInFlight, this.maxInFlightBytes,
				this.retryInitialInterval, this.retryMaxInterval, this.declare);
	}

	/**
	 * Return a copy with another failure policy.
	 * @param failurePolicy the policy
	 * @return the copy
	 */
	public RabbitSinkSettings withFailurePolicy(FailurePolicy failurePolicy) {
		return new RabbitSinkSettings(this.exchange, this.tables, this.routingKey, this.format, this.outbox,
				this.outboxRoutingKey, failurePolicy, this.maxInFlight, this.maxInFlightBytes,
				this.retryInitialInterval, this.retryMaxInterval, this.declare);
	}

	/**
	 * Return a copy with other retry intervals.
	 * @param initial the first wait
	 * @param max the longest wait
	 * @return the copy
	 */
	public RabbitSinkSettings withRetry(Duration initial, Duration max) {
		return new RabbitSinkSettings(this.exchange, this.tables, this.routingKey, this.format, this.outbox,
				this.outboxRoutingKey, this.failurePolicy, this.maxInFlight, this.maxInFlightBytes, initial, max,
				this.declare);
	}

	/**
	 * Return a copy with other queues to declare.
	 * @param declare the queues
	 * @return the copy
	 */
	public RabbitSinkSettings withDeclare(List<RabbitQueueSpec> declare) {
		return new RabbitSinkSettings(this.exchange, this.tables, this.routingKey, this.format, this.outbox,
				this.outboxRoutingKey, this.failurePolicy, this.maxInFlight, this.maxInFlightBytes,
				this.retryInitialInterval, this.retryMaxInterval, declare);
	}

}
