package dev.pgcdc.sample.audit;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /audit}: the audit log, newest first, optionally of one table ({@code ?table=orders}).
 *
 * @author pgcdc
 */
@RestController
public class AuditController {

	private static final TypeReference<Map<String, Object>> ROW = new TypeReference<>() {
	};

	private final JdbcClient jdbc;

	private final JsonMapper json;

	public AuditController(JdbcClient jdbc, JsonMapper json) {
		this.jdbc = jdbc;
		this.json = json;
	}

	@GetMapping("/audit")
	public List<AuditEntry> audit(@RequestParam(required = false) String table,
			@RequestParam(defaultValue = "20") int limit) {
		return this.jdbc
			.sql("SELECT id, table_name, operation, row_id, data::text AS data, change_lsn, committed_at "
					+ "FROM audit_log WHERE (?::text IS NULL OR table_name = ?) ORDER BY id DESC LIMIT ?")
			.params(table, table, limit)
			.query((rs, n) -> new AuditEntry(rs.getLong("id"), rs.getString("table_name"), rs.getString("operation"),
					(Long) rs.getObject("row_id"), parse(rs.getString("data")), rs.getString("change_lsn"),
					rs.getObject("committed_at", OffsetDateTime.class)))
			.list();
	}

	private Map<String, Object> parse(String data) {
		return (data != null) ? this.json.readValue(data, ROW) : null;
	}

	/**
	 * One audited change.
	 *
	 * @param id the entry's id
	 * @param table the table changed
	 * @param operation {@code INSERT}, {@code UPDATE}, {@code DELETE} or {@code TRUNCATE}
	 * @param rowId the row's id, {@code null} for a truncate
	 * @param data the row after the change (before it for a delete)
	 * @param lsn the change's WAL position
	 * @param committedAt when its transaction committed
	 */
	public record AuditEntry(long id, String table, String operation, Long rowId, Map<String, Object> data,
			String lsn, OffsetDateTime committedAt) {

	}

}
