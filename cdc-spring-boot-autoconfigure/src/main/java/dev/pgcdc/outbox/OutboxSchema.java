package dev.pgcdc.outbox;

import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import dev.pgcdc.event.TableId;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Creates or checks the outbox and inbox tables on start.
 *
 * <p>Created with the columns of Debezium's outbox event router ({@code id}, {@code aggregatetype},
 * {@code aggregateid}, {@code type}, {@code payload}) plus {@code created_at}, so that an existing Debezium
 * outbox table works as it is and a pgcdc table works with Debezium.
 *
 * @author pgcdc
 */
public final class OutboxSchema {

	private static final List<String> REQUIRED_COLUMNS = List.of("id", "aggregatetype", "aggregateid", "type",
			"payload");

	private final JdbcTemplate jdbc;

	private final TableId outboxTable;

	private final TableId inboxTable;

	/**
	 * Create a schema helper.
	 * @param dataSource the captured database
	 * @param outboxTable the outbox table
	 * @param inboxTable the inbox table
	 */
	public OutboxSchema(DataSource dataSource, TableId outboxTable, TableId inboxTable) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.outboxTable = outboxTable;
		this.inboxTable = inboxTable;
	}

	/**
	 * Create the outbox table if asked to and check that it has the outbox columns.
	 * @param create whether to create a missing table
	 * @throws IllegalStateException if the table is missing or lacks columns, naming the fix
	 */
	public void initializeOutbox(boolean create) {
		String table = JdbcOutbox.qualified(this.outboxTable);
		List<String> columns = columns(this.outboxTable);
		// checked first: CREATE ... IF NOT EXISTS needs the CREATE privilege even when the table exists
		if (create && columns.isEmpty()) {
			create(this.outboxTable, "CREATE TABLE IF NOT EXISTS " + table + " (id uuid PRIMARY KEY, "
					+ "aggregatetype text NOT NULL, aggregateid text NOT NULL, type text NOT NULL, payload jsonb, "
					+ "created_at timestamptz NOT NULL DEFAULT now())", "CREATE INDEX IF NOT EXISTS "
							+ quote(this.outboxTable.name() + "_created_at") + " ON " + table + " (created_at)");
			columns = columns(this.outboxTable);
		}
		if (columns.isEmpty()) {
			throw new IllegalStateException("The outbox table " + this.outboxTable + " does not exist: create it (see "
					+ "docs/outbox.md) or set cdc.outbox.initialize-schema=true");
		}
		List<String> missing = new ArrayList<>(REQUIRED_COLUMNS);
		missing.removeAll(columns);
		if (!missing.isEmpty()) {
			throw new IllegalStateException("The outbox table " + this.outboxTable + " lacks the columns " + missing
					+ "; it needs id (uuid), aggregatetype, aggregateid, type and payload (jsonb), see docs/outbox.md, "
					+ "or point cdc.outbox.table at another table");
		}
	}

	/**
	 * Create the inbox table when it is missing.
	 */
	public void initializeInbox() {
		if (!inboxExists()) {
			create(this.inboxTable, "CREATE TABLE IF NOT EXISTS " + JdbcOutbox.qualified(this.inboxTable)
					+ " (consumer text NOT NULL, event_id uuid NOT NULL, "
					+ "processed_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (consumer, event_id))");
		}
	}

	private void create(TableId table, String... statements) {
		try {
			for (String statement : statements) {
				this.jdbc.execute(statement);
			}
		}
		catch (DataAccessException ex) {
			throw new IllegalStateException("Could not create " + table + " for the outbox: "
					+ ex.getMostSpecificCause().getMessage() + ". Create it as its owner (DDL in docs/outbox.md) and "
					+ "set cdc.outbox.initialize-schema=false, or set cdc.outbox.enabled=false if you do not use the "
					+ "outbox", ex);
		}
	}

	/**
	 * Return whether the inbox table exists.
	 * @return whether it exists
	 */
	public boolean inboxExists() {
		return !columns(this.inboxTable).isEmpty();
	}

	private List<String> columns(TableId table) {
		return this.jdbc.queryForList("SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
				+ "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ? "
				+ "AND a.attnum > 0 AND NOT a.attisdropped", String.class, table.schema(), table.name());
	}

	private static String quote(String identifier) {
		return "\"" + identifier.replace("\"", "\"\"") + "\"";
	}

}
