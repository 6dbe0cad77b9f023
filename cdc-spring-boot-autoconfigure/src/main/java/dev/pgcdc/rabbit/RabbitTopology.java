package dev.pgcdc.rabbit;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;

/**
 * Declares what the sink publishes to: the topic exchange (durable) and the queues of
 * {@code cdc.rabbit.declare} with their bindings and dead-letter queues. Declaring is idempotent, so it
 * runs on every (re)connection: a broker that lost its definitions gets them back.
 *
 * @author pgcdc
 */
final class RabbitTopology {

	private final String exchange;

	private final List<RabbitQueueSpec> queues;

	RabbitTopology(String exchange, List<RabbitQueueSpec> queues) {
		this.exchange = exchange;
		this.queues = queues;
	}

	void declare(Channel channel) throws IOException {
		if (!this.exchange.isEmpty()) {
			channel.exchangeDeclare(this.exchange, BuiltinExchangeType.TOPIC, true);
		}
		for (RabbitQueueSpec queue : this.queues) {
			Map<String, Object> arguments = null;
			if (queue.deadLetterExchange() != null && !queue.deadLetterExchange().isBlank()) {
				channel.exchangeDeclare(queue.deadLetterExchange(), BuiltinExchangeType.DIRECT, true);
				channel.queueDeclare(queue.deadLetterQueue(), true, false, false, null);
				channel.queueBind(queue.deadLetterQueue(), queue.deadLetterExchange(), queue.queue());
				arguments = new HashMap<>();
				arguments.put("x-dead-letter-exchange", queue.deadLetterExchange());
				arguments.put("x-dead-letter-routing-key", queue.queue());
			}
			channel.queueDeclare(queue.queue(), true, false, false, arguments);
			for (String binding : queue.bindings()) {
				channel.queueBind(queue.queue(), this.exchange, binding);
			}
		}
	}

	@Override
	public String toString() {
		return "exchange '" + this.exchange + "'" + (this.queues.isEmpty() ? "" : " and " + this.queues.size()
				+ " queue(s) of cdc.rabbit.declare");
	}

}
