package dev.pgcdc.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.pgcdc.listener.FailurePolicy;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration properties of the RabbitMQ sink ({@code cdc.rabbit.*}): committed changes and outbox events
 * published to a topic exchange with publisher confirms, through the application's RabbitMQ
 * {@code ConnectionFactory} ({@code spring.rabbitmq.*}).
 *
 * @author pgcdc
 */
@ConfigurationProperties("cdc.rabbit")
public class CdcRabbitProperties {

	/**
	 * Whether to publish committed changes and outbox events to RabbitMQ.
	 */
	private boolean enabled;

	/**
	 * Topic exchange the messages go to, declared durable if absent.
	 */
	private String exchange = "cdc";

	/**
	 * Tables to publish; empty for every captured table except the outbox table.
	 */
	private List<String> tables = new ArrayList<>();

	/**
	 * Routing key of a change, with the placeholders {schema}, {table} and {op} (insert, update, delete,
	 * snapshot or truncate).
	 */
	private String routingKey = "{schema}.{table}.{op}";

	/**
	 * Message body: native (a JSON object with op, table, lsn, commit_lsn, commit_time, xid, before, after) or
	 * debezium (Debezium's change event envelope, the key JSON in the 'key' header).
	 */
	private String format = "native";

	/**
	 * What happens to a message the broker returns as unroutable or refuses: dead-letter (stored in the
	 * dead-letter table), skip, or stop (capture stops, nothing from it on is confirmed).
	 */
	private FailurePolicy failurePolicy = FailurePolicy.DEAD_LETTER;

	/**
	 * Most messages published and not yet confirmed by the broker; the dispatcher waits beyond it.
	 */
	private int maxInFlight = 1024;

	/**
	 * Most message bytes published and not yet confirmed by the broker.
	 */
	private DataSize maxInFlightSize = DataSize.ofMegabytes(16);

	private final Outbox outbox = new Outbox();

	private final Retry retry = new Retry();

	/**
	 * Queues to declare (durable) and bind to the exchange: each with a queue name, routing-key patterns
	 * under bindings, and optionally a dead-letter-exchange that receives what its consumers reject, bound
	 * to the queue '&lt;queue&gt;.dlq'.
	 */
	private List<Queue> declare = new ArrayList<>();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getExchange() {
		return this.exchange;
	}

	public void setExchange(String exchange) {
		this.exchange = exchange;
	}

	public List<String> getTables() {
		return this.tables;
	}

	public void setTables(List<String> tables) {
		this.tables = tables;
	}

	public String getRoutingKey() {
		return this.routingKey;
	}

	public void setRoutingKey(String routingKey) {
		this.routingKey = routingKey;
	}

	public String getFormat() {
		return this.format;
	}

	public void setFormat(String format) {
		this.format = format;
	}

	public FailurePolicy getFailurePolicy() {
		return this.failurePolicy;
	}

	public void setFailurePolicy(FailurePolicy failurePolicy) {
		this.failurePolicy = failurePolicy;
	}

	public int getMaxInFlight() {
		return this.maxInFlight;
	}

	public void setMaxInFlight(int maxInFlight) {
		this.maxInFlight = maxInFlight;
	}

	public DataSize getMaxInFlightSize() {
		return this.maxInFlightSize;
	}

	public void setMaxInFlightSize(DataSize maxInFlightSize) {
		this.maxInFlightSize = maxInFlightSize;
	}

	public Outbox getOutbox() {
		return this.outbox;
	}

	public Retry getRetry() {
		return this.retry;
	}

	public List<Queue> getDeclare() {
		return this.declare;
	}

	public void setDeclare(List<Queue> declare) {
		this.declare = declare;
	}

	/**
	 * Outbox events published to RabbitMQ.
	 */
	public static class Outbox {

		/**
		 * Whether to publish one message per outbox event (when the outbox is on), its payload as body and
		 * its id as message id.
		 */
		private boolean enabled = true;

		/**
		 * Routing key of an outbox event, with the placeholders {aggregate_type}, {event_type} and
		 * {aggregate_id}.
		 */
		private String routingKey = "{aggregate_type}.{event_type}";

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public String getRoutingKey() {
			return this.routingKey;
		}

		public void setRoutingKey(String routingKey) {
			this.routingKey = routingKey;
		}

	}

	/**
	 * Reconnection to the broker after it failed or went away: back-off, for ever.
	 */
	public static class Retry {

		/**
		 * First wait before connecting again.
		 */
		private Duration initialInterval = Duration.ofMillis(200);

		/**
		 * Longest wait between attempts.
		 */
		private Duration maxInterval = Duration.ofSeconds(10);

		public Duration getInitialInterval() {
			return this.initialInterval;
		}

		public void setInitialInterval(Duration initialInterval) {
			this.initialInterval = initialInterval;
		}

		public Duration getMaxInterval() {
			return this.maxInterval;
		}

		public void setMaxInterval(Duration maxInterval) {
			this.maxInterval = maxInterval;
		}

	}

	/**
	 * A queue to declare and bind to the exchange.
	 */
	public static class Queue {

		/**
		 * Queue name.
		 */
		private String queue;

		/**
		 * Routing-key patterns that bind the queue to the exchange, such as public.orders.* or #.delete.
		 */
		private List<String> bindings = new ArrayList<>();

		/**
		 * Dead-letter exchange (direct, durable) for what the queue's consumers reject without requeueing;
		 * such messages land in the queue '&lt;queue&gt;.dlq'. Empty for none.
		 */
		private String deadLetterExchange;

		public String getQueue() {
			return this.queue;
		}

		public void setQueue(String queue) {
			this.queue = queue;
		}

		public List<String> getBindings() {
			return this.bindings;
		}

		public void setBindings(List<String> bindings) {
			this.bindings = bindings;
		}

		public String getDeadLetterExchange() {
			return this.deadLetterExchange;
		}

		public void setDeadLetterExchange(String deadLetterExchange) {
			this.deadLetterExchange = deadLetterExchange;
		}

	}

}
