package dev.pgcdc.rabbit;

import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import com.rabbitmq.client.AMQP;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Row;
import dev.pgcdc.outbox.OutboxEvent;
import dev.pgcdc.redis.ChangeEventJson;
import dev.pgcdc.redis.DebeziumValueEncoder;

/**
 * Builds the messages of changes and outbox events: routing key, JSON body, headers ({@code op},
 * {@code table}, {@code lsn}, {@code commit_lsn}, {@code xid}, {@code commit_time}), a message id that
 * stays the same when the change is delivered again, {@code application/json}, persistent delivery.
 *
 * @author pgcdc
 */
final class RabbitMessages {

	private static final String JSON = "application/json";

	private static final int PERSISTENT = 2;

	private final RabbitSinkSettings settings;

	/** The same bodies as the Redis stream sink, in either format. */
	private final ChangeEventJson json;

	private static final ChangeEventJson NATIVE = ChangeEventJson.nativeFormat();

	RabbitMessages(RabbitSinkSettings settings, String sourceName, String database) {
		this.settings = settings;
		this.json = ChangeEventJson.forFormat(settings.format(), "cdc.rabbit.format", DebeziumValueEncoder.defaults(),
				sourceName, database);
	}

	/**
	 * The message of one change.
	 * @param event the change
	 * @param index its position in its transaction, from 0
	 */
	OutgoingMessage change(ChangeEvent event, int index) {
		String op = event.operation().name().toLowerCase(Locale.ROOT);
		String routingKey = this.settings.routingKey()
			.replace("{schema}", event.table().schema())
			.replace("{table}", event.table().name())
			.replace("{op}", op);
		Map<String, Object> headers = new LinkedHashMap<>();
		headers.put("op", op);
		headers.put("table", event.table().toString());
		positions(headers, event.lsn(), event.commitLsn(), event.xid(), event.commitTime());
		String body;
		if (this.json.isDebezium()) {
			headers.put("key", this.json.key(event));
		}
		body = this.json.body(event);
		return new OutgoingMessage(routingKey, properties(changeId(event, index), headers, event), bytes(body),
				event, null);
	}

	/**
	 * The message of one outbox event: the payload as body, the event id as message id.
	 * @param event the outbox event
	 * @param change the outbox row it was read from, or {@code null}
	 * @param message the logical message it was read from, or {@code null}
	 */
	OutgoingMessage outbox(OutboxEvent event, ChangeEvent change, LogicalMessage message) {
		String routingKey = this.settings.outboxRoutingKey()
			.replace("{aggregate_type}", event.aggregateType())
			.replace("{event_type}", event.eventType())
			.replace("{aggregate_id}", event.aggregateId());
		Map<String, Object> headers = new LinkedHashMap<>();
		headers.put("op", "outbox");
		headers.put("aggregate_type", event.aggregateType());
		headers.put("aggregate_id", event.aggregateId());
		headers.put("event_type", event.eventType());
		if (change != null) {
			headers.put("table", change.table().toString());
			positions(headers, change.lsn(), change.commitLsn(), change.xid(), change.commitTime());
		}
		else {
			headers.put("lsn", event.lsn().toString());
		}
		return new OutgoingMessage(routingKey, properties(event.id().toString(), headers, change),
				bytes(event.payloadJson()), change, message);
	}

	private static void positions(Map<String, Object> headers, Lsn lsn, Lsn commitLsn, long xid,
			java.time.Instant commitTime) {
		headers.put("lsn", lsn.toString());
		headers.put("commit_lsn", commitLsn.toString());
		headers.put("xid", xid);
		headers.put("commit_time", commitTime.toString());
	}

	private static AMQP.BasicProperties properties(String messageId, Map<String, Object> headers, ChangeEvent event) {
		return new AMQP.BasicProperties.Builder().contentType(JSON)
			.contentEncoding("utf-8")
			.deliveryMode(PERSISTENT)
			.messageId(messageId)
			.timestamp((event != null) ? Date.from(event.commitTime()) : null)
			.headers(headers)
			.build();
	}

	/**
	 * A message id stable across redeliveries: the commit position and the change's index in its
	 * transaction; for a snapshot row (whose chunk has no commit of its own) the table and the row's key.
	 */
	static String changeId(ChangeEvent event, int index) {
		if (event.operation() == Operation.SNAPSHOT) {
			return "snapshot:" + event.table() + ":" + NATIVE.key(event);
		}
		return event.commitLsn() + ":" + index;
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
