package dev.pgcdc.sample.live;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.outbox.OutboxEvent;

/**
 * A captured change as the live page shows it.
 *
 * @param table the table, without schema
 * @param operation the operation
 * @param id the row's id, {@code null} when it has none (a truncate)
 * @param row the row's columns, {@code null} for a truncate
 * @param changed the columns an update changed, when PostgreSQL sent the old row
 * @param lsn the change's WAL position
 * @param committedAt when its transaction committed
 * @author pgcdc
 */
public record LiveChange(String table, String operation, Object id, Map<String, Object> row, Set<String> changed,
		String lsn, Instant committedAt) {

	static LiveChange of(ChangeEvent event) {
		Map<String, Object> row = (event.row() != null) ? event.row().toMap() : null;
		return new LiveChange(event.table().name(), event.operation().name(), (row != null) ? row.get("id") : null,
				row, event.changedColumns(), event.lsn().toString(), event.commitTime());
	}

	static LiveChange of(OutboxEvent event) {
		Map<String, Object> row = new java.util.LinkedHashMap<>();
		row.put("event", event.eventType());
		row.put("id", event.id().toString());
		return new LiveChange("outbox: " + event.aggregateType(), "OUTBOX", event.aggregateId(), row, Set.of(),
				event.lsn().toString(), event.createdAt());
	}

}
