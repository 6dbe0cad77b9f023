package dev.pgcdc.outbox;

import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import dev.pgcdc.event.TableId;

import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Creates or checks the outbox and inbox tables when the application starts, before the engine and the
 * listeners.
 *
 * <p>Created with the columns of Debezium's outbox event router ({@code id}, {@code aggregatetype},
 * {@code aggregateid}, {@code type}, {@code payload}) plus {@code created_at}. Runs as a lifecycle step
 * rather than at bean creation, so that schema migrations (Flyway, Liquibase, {@code spring.sql.init}),
 * which run while beans are created, come first.
 *
 * @author pgcdc
 */
public final class OutboxSchema implements SmartLifecycle {

	private static final List<String> REQUIRED_COLUMNS = List.of("id", "aggregatetype", "aggregateid", "type",
			"payload", "created_at");

	private final AutoCommitJdbc jdbc;

	private final TableId outboxTable;

	private final TableId inboxTable;

	private final boolean tableMode;

	private final boolean create;

	private volatile boolean running;

	/**
	 * Create a schema helper.
	 * @param dataSource the captured database
	 * @param outboxTable the outbox table
	 * @param inboxTable the inbox table
	 * @param tableMode whether events are written to the outbox table
	 * @param create whether to create missing tables
	 */
	public OutboxSchema(DataSource dataSource, TableId outboxTable, TableId inboxTable, boolean tableMode,
			boolean create) {
		this.jdbc = new AutoCommitJdbc(dataSource);
		this.outboxTable = outboxTable;
		this.inboxTable = inboxTable;
		this.tableMode = tableMode;
		this.create = create;
	}

	@Override
	public void start() {
		if (this.tableMode) {
			initializeOutbox();
		}
		if (this.create) {
			initializeInbox();
		}
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		// before the listener registry (DEFAULT_PHASE - 200) and the engine (DEFAULT_PHASE - 100)
		return DEFAULT_PHASE - 300;
	}

	/**
	 * Create the outbox table if asked to and check that it has the outbox columns.
	 * @throws IllegalStateException if the table is missing or lacks columns, naming the fix
	 */
	void initializeOutbox() {
		String table = this.outboxTable.toSql();
		List<String> columns = columns(this.outboxTable);
		// checked first: CREATE ... IF NOT EXISTS needs the CREATE privilege even when the table exists
		if (this.create && columns.isEmpty()) {
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
					+ "; it needs id (uuid), aggregatetype, aggregateid, type, payload (jsonb) and created_at "
					+ "(timestamptz), see docs/outbox.md, or point cdc.outbox.table at another table");
		}
	}

	/**
	 * Create the inbox table when it is missing.
	 */
	void initializeInbox() {
		if (!inboxExists()) {
			String table = this.inboxTable.toSql();
			create(this.inboxTable, "CREATE TABLE IF NOT EXISTS " + table + " (consumer text NOT NULL, "
					+ "event_id uuid NOT NULL, processed_at timestamptz NOT NULL DEFAULT now(), "
					+ "PRIMARY KEY (consumer, event_id))", "CREATE INDEX IF NOT EXISTS "
							+ quote(this.inboxTable.name() + "_processed_at") + " ON " + table + " (processed_at)");
		}
	}

	/**
	 * Return whether the inbox table exists.
	 * @return whether it exists
	 */
	public boolean inboxExists() {
		return !columns(this.inboxTable).isEmpty();
	}

	private void create(TableId table, String... statements) {
		try {
			this.jdbc.run((jdbc) -> {
				for (String statement : statements) {
					jdbc.execute(statement);
				}
				return null;
			});
		}
		catch (DataAccessException ex) {
			// two instances starting together: IF NOT EXISTS does not stop the loser from failing
			if (!columns(table).isEmpty()) {
				return;
			}
			throw new IllegalStateException("Could not create " + table + " for the outbox: "
					+ ex.getMostSpecificCause().getMessage() + ". Create it as its owner (DDL in docs/outbox.md) and "
					+ "set cdc.outbox.initialize-schema=false, or set cdc.outbox.enabled=false if you do not use the "
					+ "outbox", ex);
		}
	}

	private List<String> columns(TableId table) {
		return this.jdbc.run((JdbcTemplate jdbc) -> jdbc.queryForList("SELECT a.attname FROM pg_attribute a "
				+ "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
				+ "WHERE n.nspname = ? AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped", String.class,
				table.schema(), table.name()));
	}

	private static String quote(String identifier) {
		return "\"" + identifier.replace("\"", "\"\"") + "\"";
	}

}
