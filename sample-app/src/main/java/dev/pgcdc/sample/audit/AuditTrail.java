package dev.pgcdc.sample.audit;

import java.time.ZoneOffset;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Row;
import dev.pgcdc.listener.CdcListener;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Writes every captured change to {@code audit_log}: table, operation, row id, the row as JSON, its WAL
 * position and commit time.
 *
 * <p>The log is written from the WAL, so it holds exactly what committed, including changes made by other
 * applications or by hand in {@code psql}, which an ORM hook would miss. The WAL position makes an entry
 * unique, so a transaction delivered again after a crash is not logged twice.
 *
 * @author pgcdc
 */
@Component
public class AuditTrail {

	private final JdbcClient jdbc;

	private final JsonMapper json;

	public AuditTrail(JdbcClient jdbc, JsonMapper json) {
		this.jdbc = jdbc;
		this.json = json;
	}

	@CdcListener(id = "audit-log")
	public void record(ChangeEvent event) {
		Row row = event.row();
		Object id = (row != null && row.contains("id")) ? row.get("id") : null;
		this.jdbc
			.sql("INSERT INTO audit_log (table_name, operation, row_id, data, change_lsn, committed_at) "
					+ "VALUES (?, ?, ?, ?::jsonb, ?, ?) ON CONFLICT DO NOTHING")
			.params(event.table().name(), event.operation().name(), id,
					(row != null) ? this.json.writeValueAsString(row.toMap()) : null, event.lsn().toString(),
					(event.commitTime() != null) ? event.commitTime().atOffset(ZoneOffset.UTC) : null)
			.update();
	}

}
