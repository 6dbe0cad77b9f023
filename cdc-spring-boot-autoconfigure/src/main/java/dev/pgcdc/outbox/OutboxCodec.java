package dev.pgcdc.outbox;

import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Row;
import dev.pgcdc.event.TableId;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns payloads into JSON and outbox rows or messages back into {@link OutboxEvent}s, with the
 * application's JSON mapper.
 *
 * <p>One codec serves the writer, the listeners and the application events, so that every reader sees the
 * same event for the same row or message. Thread-safe.
 *
 * @author pgcdc
 */
public final class OutboxCodec implements OutboxEvent.PayloadReader {

	private final ObjectMapper mapper;

	private final TableId table;

	/** The last decoded source and its event: each change is read once although several listeners ask. */
	private volatile Decoded last;

	/**
	 * Create a codec.
	 * @param mapper the application's JSON mapper
	 * @param table the outbox table
	 */
	public OutboxCodec(ObjectMapper mapper, TableId table) {
		this.mapper = mapper;
		this.table = table;
	}

	public TableId table() {
		return this.table;
	}

	/**
	 * Return a payload as JSON text: a {@code String} must already be JSON, anything else is serialized.
	 * @param payload the payload, may be {@code null}
	 * @return the JSON
	 * @throws IllegalArgumentException if a string payload is not JSON, or the payload cannot be serialized
	 */
	public String payloadJson(Object payload) {
		return this.mapper.writeValueAsString(payloadTree(payload));
	}

	/**
	 * Build the content of an outbox message: the event's fields with the Debezium outbox column names, the
	 * payload as a JSON value.
	 * @param id the event id
	 * @param aggregateType the aggregate type
	 * @param aggregateId the aggregate id
	 * @param eventType the event type
	 * @param payload the payload
	 * @param createdAt when it was published
	 * @return the message content
	 */
	String messageContent(UUID id, String aggregateType, String aggregateId, String eventType, Object payload,
			Instant createdAt) {
		return content(id, aggregateType, aggregateId, eventType, payloadTree(payload), createdAt);
	}

	/**
	 * Build an outbox message and the payload's JSON together, converting the payload to JSON once.
	 * @param id the event id
	 * @param aggregateType the aggregate type
	 * @param aggregateId the aggregate id
	 * @param eventType the event type
	 * @param payload the payload
	 * @param createdAt when it was published
	 * @return the message content and the payload JSON
	 */
	Message message(UUID id, String aggregateType, String aggregateId, String eventType, Object payload,
			Instant createdAt) {
		JsonNode tree = payloadTree(payload);
		return new Message(content(id, aggregateType, aggregateId, eventType, tree, createdAt),
				this.mapper.writeValueAsString(tree));
	}

	private String content(UUID id, String aggregateType, String aggregateId, String eventType, JsonNode payload,
			Instant createdAt) {
		ObjectNode node = this.mapper.createObjectNode();
		node.put("id", id.toString());
		node.put("aggregatetype", aggregateType);
		node.put("aggregateid", aggregateId);
		node.put("type", eventType);
		node.put("created_at", createdAt.toString());
		node.set("payload", payload);
		return this.mapper.writeValueAsString(node);
	}

	private JsonNode payloadTree(Object payload) {
		try {
			if (payload instanceof String json) {
				return this.mapper.readTree(json);
			}
			return this.mapper.valueToTree(payload);
		}
		catch (JacksonException ex) {
			if (payload instanceof String) {
				throw new IllegalArgumentException("An outbox payload given as a String must be JSON text (to publish "
						+ "a plain string, quote it): " + ex.getOriginalMessage(), ex);
			}
			throw new IllegalArgumentException("The outbox payload " + payload.getClass().getName()
					+ " cannot be written as JSON: " + ex.getOriginalMessage(), ex);
		}
	}

	/**
	 * Return whether a change is an event written to the outbox table.
	 * @param event the change
	 * @return whether it is an INSERT into the outbox table
	 */
	public boolean isOutbox(ChangeEvent event) {
		return event.operation() == Operation.INSERT && event.table().equals(this.table);
	}

	/**
	 * Return whether a message carries an outbox event.
	 * @param message the message
	 * @return whether it is a transactional message with the outbox prefix
	 */
	public boolean isOutbox(LogicalMessage message) {
		return message.transactional() && Outbox.MESSAGE_PREFIX.equals(message.prefix());
	}

	/**
	 * Read the event an outbox row carries.
	 * @param event an INSERT into the outbox table
	 * @return the event
	 * @throws IllegalStateException if the row lacks the outbox columns
	 */
	public OutboxEvent read(ChangeEvent event) {
		Decoded decoded = this.last;
		if (decoded != null && decoded.source == event) {
			return decoded.event;
		}
		Row row = event.after();
		OutboxEvent outboxEvent = new OutboxEvent(uuid(row.get("id")), text(row, "aggregatetype"),
				text(row, "aggregateid"), text(row, "type"), payload(row), createdAt(row), event.lsn(), this);
		this.last = new Decoded(event, outboxEvent);
		return outboxEvent;
	}

	/**
	 * Read the event an outbox message carries.
	 * @param message a message with the outbox prefix
	 * @return the event
	 * @throws IllegalStateException if the content is not an outbox event
	 */
	public OutboxEvent read(LogicalMessage message) {
		Decoded decoded = this.last;
		if (decoded != null && decoded.source == message) {
			return decoded.event;
		}
		try {
			JsonNode node = this.mapper.readTree(new String(message.content(), StandardCharsets.UTF_8));
			JsonNode payload = node.get("payload");
			JsonNode createdAt = node.get("created_at");
			OutboxEvent event = new OutboxEvent(UUID.fromString(field(node, "id")), field(node, "aggregatetype"),
					field(node, "aggregateid"), field(node, "type"),
					(payload != null) ? this.mapper.writeValueAsString(payload) : "null",
					(createdAt != null && createdAt.isString()) ? Instant.parse(createdAt.stringValue()) : null,
					message.lsn(), this);
			this.last = new Decoded(message, event);
			return event;
		}
		catch (JacksonException | IllegalArgumentException | java.time.format.DateTimeParseException ex) {
			throw new IllegalStateException("The logical message at " + message.lsn() + " with prefix '"
					+ Outbox.MESSAGE_PREFIX + "' is not an outbox event: " + ex.getMessage(), ex);
		}
	}

	@Override
	public <T> T read(String json, Class<T> type) {
		return readPayload(json, type);
	}

	/**
	 * Read a payload as a possibly generic type.
	 * @param <T> the type
	 * @param json the payload JSON
	 * @param type the type, such as {@code List<Item>}
	 * @return the payload
	 * @throws IllegalStateException if the JSON does not fit the type
	 */
	public <T> T readPayload(String json, Type type) {
		try {
			return this.mapper.readValue(json, this.mapper.constructType(type));
		}
		catch (JacksonException ex) {
			throw new IllegalStateException("Cannot read the outbox payload as " + type.getTypeName() + ": "
					+ ex.getOriginalMessage(), ex);
		}
	}

	private static String field(JsonNode node, String name) {
		JsonNode value = node.get(name);
		if (value == null || !value.isString()) {
			throw new IllegalArgumentException("no text field '" + name + "'");
		}
		return value.stringValue();
	}

	private String text(Row row, String column) {
		Object value = row.get(column);
		if (value == null) {
			throw new IllegalStateException("The outbox row in " + this.table + " has no " + column
					+ "; the table needs the columns id, aggregatetype, aggregateid, type and payload");
		}
		return value.toString();
	}

	private UUID uuid(Object value) {
		if (value instanceof UUID uuid) {
			return uuid;
		}
		if (value instanceof String text) {
			return UUID.fromString(text);
		}
		throw new IllegalStateException("The outbox row in " + this.table + " has id " + value
				+ "; the id column must be a uuid");
	}

	private static String payload(Row row) {
		Object value = row.get("payload");
		return (value != null) ? value.toString() : "null";
	}

	private static Instant createdAt(Row row) {
		Object value = row.contains("created_at") ? row.get("created_at") : null;
		return (value instanceof OffsetDateTime time) ? time.toInstant() : null;
	}

	private record Decoded(Object source, OutboxEvent event) {
	}

	/** The content of an outbox message and the JSON of its payload. */
	record Message(String content, String payloadJson) {
	}

}
