package dev.pgcdc.outbox;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

import dev.pgcdc.event.Lsn;

/**
 * An event written with {@link Outbox#publish} and read back from the WAL after its transaction committed.
 *
 * <p>The {@link #id()} is assigned when the event is published and stays the same on every redelivery, so
 * consumers with side effects use it as their idempotency key (see {@code Inbox}).
 *
 * @author pgcdc
 */
public final class OutboxEvent {

	private final UUID id;

	private final String aggregateType;

	private final String aggregateId;

	private final String eventType;

	private final String payloadJson;

	private final Instant createdAt;

	private final Lsn lsn;

	private final PayloadReader reader;

	/**
	 * Create an event.
	 * @param id the idempotency key
	 * @param aggregateType the aggregate type
	 * @param aggregateId the aggregate id
	 * @param eventType the event type
	 * @param payloadJson the payload as JSON
	 * @param createdAt when it was published
	 * @param lsn the position of the event in the WAL, or {@code null} before it was read back
	 * @param reader turns the payload into typed objects
	 */
	public OutboxEvent(UUID id, String aggregateType, String aggregateId, String eventType, String payloadJson,
			Instant createdAt, Lsn lsn, PayloadReader reader) {
		this.id = Objects.requireNonNull(id, "id must not be null");
		this.aggregateType = Objects.requireNonNull(aggregateType, "aggregateType must not be null");
		this.aggregateId = Objects.requireNonNull(aggregateId, "aggregateId must not be null");
		this.eventType = Objects.requireNonNull(eventType, "eventType must not be null");
		this.payloadJson = payloadJson;
		this.createdAt = createdAt;
		this.lsn = lsn;
		this.reader = reader;
	}

	public UUID id() {
		return this.id;
	}

	public String aggregateType() {
		return this.aggregateType;
	}

	public String aggregateId() {
		return this.aggregateId;
	}

	public String eventType() {
		return this.eventType;
	}

	/**
	 * Return the payload as JSON text.
	 * @return the JSON, {@code "null"} for a null payload
	 */
	public String payloadJson() {
		return this.payloadJson;
	}

	/**
	 * Read the payload as the given type with the application's JSON mapper.
	 * @param <T> the type
	 * @param type a record, a JavaBean, a {@code Map}, a {@code String} (the raw JSON) or a JSON node
	 * @return the payload
	 * @throws IllegalStateException if the payload does not fit the type
	 */
	public <T> T payloadAs(Class<T> type) {
		if (type == String.class) {
			return type.cast(this.payloadJson);
		}
		if (this.reader == null) {
			throw new IllegalStateException("No JSON mapper to read the payload of outbox event " + this.id
					+ " as " + type.getName() + "; add Jackson to the application");
		}
		return this.reader.read(this.payloadJson, type);
	}

	public Instant createdAt() {
		return this.createdAt;
	}

	/**
	 * Return the position of the event in the WAL.
	 * @return the LSN of the row or message that carried it
	 */
	public Lsn lsn() {
		return this.lsn;
	}

	@Override
	public boolean equals(Object other) {
		return (this == other) || (other instanceof OutboxEvent event && this.id.equals(event.id));
	}

	@Override
	public int hashCode() {
		return this.id.hashCode();
	}

	@Override
	public String toString() {
		return "OutboxEvent[" + this.eventType + " " + this.aggregateType + "/" + this.aggregateId + " id="
				+ this.id + " lsn=" + this.lsn + "]";
	}

	/**
	 * Turns JSON payloads into objects.
	 */
	@FunctionalInterface
	public interface PayloadReader {

		/**
		 * Read JSON as a type.
		 * @param <T> the type
		 * @param json the JSON
		 * @param type the type
		 * @return the object
		 * @throws IllegalStateException if the JSON does not fit the type
		 */
		<T> T read(String json, Class<T> type);

	}

}
