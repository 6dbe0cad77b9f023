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

	/** Properties, six headers and their strings, the message object itself. */
	private static final int OVERHEAD = 1024;

	final String routingKey;

	final AMQP.BasicProperties properties;

	final byte[] body;

	/** The change it carries (for the dead-letter table), or {@code null}. */
	final ChangeEvent change;

	/** The logical message it carries, or {@code null}. */
	final LogicalMessage message;

	State state = State.UNSENT;

	/** The engine's delivery epoch it was queued under (see {@link dev.pgcdc.replication.DeliveryGate}). */
	long epoch;

	/** The bytes it holds of the engine's memory budget, 0 once given back. */
	long reserved;

	/** The budget {@link #reserved} was taken from. */
	dev.pgcdc.replication.MemoryBudget budget;

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

	/**
	 * The heap it holds until confirmed: its body, the change or logical message it carries (kept for the
	 * dead-letter table) and its properties and headers.
	 */
	long heapBytes() {
		long bytes = OVERHEAD + 2L * this.routingKey.length() + this.body.length;
		if (this.change != null) {
			bytes += dev.pgcdc.replication.ChangeSize.of(this.change);
		}
		if (this.message != null) {
			// its content is about the body (the outbox payload); content() would copy it to measure it
			bytes += this.body.length;
		}
		return bytes;
	}

	String messageId() {
		return this.properties.getMessageId();
	}

	@Override
	public String toString() {
		return "message " + messageId() + " (routing key '" + this.routingKey + "')";
	}

}
