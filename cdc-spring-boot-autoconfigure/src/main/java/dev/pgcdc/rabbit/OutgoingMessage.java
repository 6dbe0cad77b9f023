package dev.pgcdc.rabbit;

import com.rabbitmq.client.AMQP;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;

/**
 * One message on its way to the broker, kept until the broker confirmed it so that it can be published
 * again on a new channel. Its state is guarded by the {@link ConfirmWindow} that holds it.
 *
 * @author pgcdc
 */
final class OutgoingMessage {

	enum State {

		/** Not published on the current channel. */
		UNSENT,
		/** Published, no confirm yet. */
		SENT,
		/** The broker returned it as unroutable; its confirm follows. */
		RETURNED,
		/** Confirmed, or handled by the failure policy. */
		DONE,
		/** Returned or nacked: waits for the failure policy. */
		FAILED

	}

	final String routingKey;

	final AMQP.BasicProperties properties;

	final byte[] body;

	/** The change it carries (for the dead-letter table), or {@code null}. */
	final ChangeEvent change;

	/** The logical message it carries, or {@code null}. */
	final LogicalMessage message;

	State state = State.UNSENT;

	long sequence;

	String failure;

	OutgoingMessage(String routingKey, AMQP.BasicProperties properties, byte[] body, ChangeEvent change,
			LogicalMessage message) {
		this.routingKey = routingKey;
		this.properties = properties;
		this.body = body;
		this.change = change;
		this.message = message;
	}

	String messageId() {
		return this.properties.getMessageId();
	}

	@Override
	public String toString() {
		return "message " + messageId() + " (routing key '" + this.routingKey + "')";
	}

}
