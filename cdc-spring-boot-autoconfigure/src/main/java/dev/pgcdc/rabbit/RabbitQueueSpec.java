package dev.pgcdc.rabbit;

import java.util.List;

/**
 * A queue the RabbitMQ sink declares (durable) and binds to its exchange, optionally with a dead-letter
 * queue: with a dead-letter exchange, messages the consumer rejects without requeueing (or that expire) go
 * to that exchange (direct, durable) with the queue's name as routing key, bound to {@code <queue>.dlq}.
 *
 * @param queue the queue name
 * @param bindings the routing-key patterns that bind it, such as {@code public.orders.*} or {@code #.delete}
 * @param deadLetterExchange the dead-letter exchange, or {@code null} for none
 * @author pgcdc
 */
public record RabbitQueueSpec(String queue, List<String> bindings, String deadLetterExchange) {

	public RabbitQueueSpec {
		bindings = (bindings != null) ? List.copyOf(bindings) : List.of();
	}

	/**
	 * Return the name of the dead-letter queue.
	 * @return {@code <queue>.dlq}
	 */
	public String deadLetterQueue() {
		return this.queue + ".dlq";
	}

}
