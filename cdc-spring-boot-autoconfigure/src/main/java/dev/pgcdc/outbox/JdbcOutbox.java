package dev.pgcdc.outbox;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import javax.sql.DataSource;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;

/**
 * The {@link Outbox} that writes through the application's DataSource, joining its current transaction:
 * a row in the outbox table, or a transactional logical decoding message.
 *
 * <p>The row or message becomes visible to the replication slot only when the transaction commits, which
 * is what makes a published event exist exactly when the business change does.
 *
 * @author pgcdc
 */
public final class JdbcOutbox implements Outbox {

	private final DataSource dataSource;

	private final JdbcTemplate jdbc;

	private final OutboxCodec codec;

	private final OutboxMode mode;

	private final String insert;

	/**
	 * Create an outbox.
	 * @param dataSource the application's DataSource on the captured database
	 * @param codec writes payloads and messages
	 * @param mode where events go
	 */
	public JdbcOutbox(DataSource dataSource, OutboxCodec codec, OutboxMode mode) {
		this.dataSource = dataSource;
		this.jdbc = new JdbcTemplate(dataSource);
		this.codec = codec;
		this.mode = mode;
		this.insert = "INSERT INTO " + codec.table().toSql()
				+ " (id, aggregatetype, aggregateid, type, payload, created_at) VALUES (?, ?, ?, ?, ?::jsonb, ?)";
	}

	@Override
	public OutboxEvent publish(String aggregateType, String aggregateId, String eventType, Object payload) {
		Assert.isTrue(StringUtils.hasText(aggregateType), "aggregateType must not be empty");
		Assert.isTrue(StringUtils.hasText(aggregateId), "aggregateId must not be empty");
		Assert.isTrue(StringUtils.hasText(eventType), "eventType must not be empty");
		TransactionRequirement.check(this.dataSource, "Outbox.publish");
		UUID id = UUID.randomUUID();
		// PostgreSQL keeps microseconds: createdAt() here equals createdAt() of the event read back
		Instant createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
		String json;
		if (this.mode == OutboxMode.TABLE) {
			json = this.codec.payloadJson(payload);
			this.jdbc.update(this.insert, id, aggregateType, aggregateId, eventType, json, Timestamp.from(createdAt));
		}
		else {
			OutboxCodec.Message message = this.codec.message(id, aggregateType, aggregateId, eventType, payload,
					createdAt);
			this.jdbc.queryForObject("SELECT pg_logical_emit_message(true, ?, ?)", String.class, Outbox.MESSAGE_PREFIX,
					message.content());
			json = message.payloadJson();
		}
		return new OutboxEvent(id, aggregateType, aggregateId, eventType, json, createdAt, null, this.codec);
	}

}
