package dev.pgcdc.listener.support;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.ValueConverter;
import dev.pgcdc.listener.CdcListenerFailure;
import dev.pgcdc.listener.DeadLetter;
import dev.pgcdc.listener.DeadLetters;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.support.SQLExceptionSubclassTranslator;
import org.springframework.jdbc.support.SQLExceptionTranslator;

/**
 * {@link DeadLetters} kept in a PostgreSQL table ({@code cdc.listener.dead-letter-table}, by default
 * {@code cdc_dead_letter}), one row per listener failure with all the changes the listener was given.
 *
 * <p>Every call takes its own connection from the {@link DataSource} and works in autocommit, so a dead
 * letter is stored even when the listener's own transaction rolls back; with a pool, leave a connection
 * free for it.
 *
 * <p>The changes are kept in a {@code jsonb} column that this class writes and reads itself rather
 * than through Jackson, which is optional in this module. It is an array with one object per change
 * ({@code operation}, {@code schema}, {@code table}, {@code lsn}, {@code commitLsn}, {@code xid},
 * {@code commitTime}, {@code before}, {@code after}); a row image lists its key columns and its columns
 * in table order, each value tagged with the type it reads back as:
 * <pre class="code">
 * {"keys": ["id"], "columns": [{"name": "id", "type": "int8", "value": 42},
 *   {"name": "total", "type": "numeric", "value": "10.50"}, {"name": "notes", "value": null, "unchanged": true}]}
 * </pre>
 * so that a replayed event equals the original (same value classes, column order, key columns and
 * unchanged TOAST flags, NaN, infinities and {@code MIN}/{@code MAX} dates included), and the table
 * stays readable in {@code psql}:
 * <pre class="code">
 * SELECT id, listener_id, table_name, operation, exception, jsonb_pretty(changes)
 *   FROM cdc_dead_letter WHERE replayed_at IS NULL ORDER BY id;
 * SELECT c->>'name' AS column, c->>'value' AS value
 *   FROM cdc_dead_letter, jsonb_array_elements(changes->0->'after'->'columns') c WHERE id = 1;
 * </pre>
 * The {@code table_name}, {@code operation}, {@code commit_lsn}, {@code xid} and {@code commit_time}
 * columns repeat what the changes hold, for querying; a failure spanning tables lists them all, comma
 * separated. A failed logical message is stored as an element with operation {@code MESSAGE} (prefix,
 * content as text or hex, transactional flag, LSN); its {@link DeadLetter} has no changes, and replaying
 * it calls {@link DeadLetterTarget#redeliver(LogicalMessage)}.
 *
 * <p>The table name is used exactly as given (quoted, so case-sensitive); {@link #initializeSchema()}
 * creates it, and its schema, when missing.
 *
 * @author pgcdc
 */
public class JdbcDeadLetters implements DeadLetters {

	/** The property that names the table, for error messages. */
	private static final String TABLE_PROPERTY = "cdc.listener.dead-letter-table";

	private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

	/** PostgreSQL truncates longer identifiers. */
	private static final int MAX_IDENTIFIER_LENGTH = 63;

	/** duplicate_table, duplicate_object, duplicate_schema, unique_violation (a racing catalog insert). */
	private static final Set<String> DUPLICATE_STATES = Set.of("42P07", "42710", "42P06", "23505");

	private static final String COLUMNS = "id, listener_id, changes, exception, attempts, created_at, replayed_at";

	private final DataSource dataSource;

	private final String schema;

	private final String table;

	private final String qualifiedTable;

	private final ValueConverter converter;

	private final Function<String, DeadLetterTarget> targets;

	private final SQLExceptionTranslator exceptionTranslator = new SQLExceptionSubclassTranslator();

	/**
	 * Create a dead-letter store.
	 * @param dataSource the database that holds the table
	 * @param table the table name, optionally schema-qualified ({@code ops.cdc_dead_letter})
	 * @param converter the converter of the rows of replayed events
	 * @param targets finds the listener a dead letter is replayed to by its id, {@code null} if none
	 * @throws IllegalArgumentException if the table name is not a plain or schema-qualified identifier
	 */
	public JdbcDeadLetters(DataSource dataSource, String table, ValueConverter converter,
			Function<String, DeadLetterTarget> targets) {
		this.dataSource = Objects.requireNonNull(dataSource, "dataSource must not be null");
		this.converter = Objects.requireNonNull(converter, "converter must not be null");
		this.targets = Objects.requireNonNull(targets, "targets must not be null");
		if (table == null || !TABLE_NAME.matcher(table).matches()) {
			throw new IllegalArgumentException("Invalid " + TABLE_PROPERTY + " '" + table + "': use a table name "
					+ "or schema.table made of letters, digits and underscores, not starting with a digit "
					+ "(for example cdc_dead_letter or ops.cdc_dead_letter)");
		}
		int dot = table.indexOf('.');
		this.schema = (dot >= 0) ? table.substring(0, dot) : null;
		this.table = (dot >= 0) ? table.substring(dot + 1) : table;
		this.qualifiedTable = ((this.schema != null) ? quote(this.schema) + "." : "") + quote(this.table);
	}

	private static String quote(String identifier) {
		// the name pattern admits no double quote, so no escaping is needed
		return "\"" + identifier + "\"";
	}

	/**
	 * Create the table, its index and its schema if they do not exist. Does nothing (and needs no DDL
	 * privilege) when the table is there, and tolerates another instance creating it at the same time.
	 */
	@Override
	public void initialize() {
		initializeSchema();
	}

	public void initializeSchema() {
		String sql = null;
		try (Connection connection = autoCommitConnection()) {
			if (tableExists(connection)) {
				return;
			}
			if (this.schema != null) {
				sql = "CREATE SCHEMA IF NOT EXISTS " + quote(this.schema);
				executeToleratingDuplicates(connection, sql);
			}
			// table and index in one transaction: a crash cannot leave a table without its index
			connection.setAutoCommit(false);
			try (Statement statement = connection.createStatement()) {
				sql = createTableSql();
				statement.execute(sql);
				sql = createIndexSql();
				statement.execute(sql);
				connection.commit();
			}
			catch (SQLException ex) {
				connection.rollback();
				// IF NOT EXISTS checks the catalog before inserting, so two instances starting at once
				// can both pass the check; the loser's duplicate error means the table is there
				if (!DUPLICATE_STATES.contains(ex.getSQLState()) || !tableExists(connection)) {
					throw ex;
				}
			}
			finally {
				connection.setAutoCommit(true);
			}
		}
		catch (SQLException ex) {
			throw translate("create the dead-letter table " + this.qualifiedTable, sql, ex);
		}
	}

	private String createTableSql() {
		return "CREATE TABLE IF NOT EXISTS " + this.qualifiedTable + " ("
				+ "id bigserial PRIMARY KEY, "
				+ "listener_id text NOT NULL, "
				+ "table_name text, "
				+ "operation text, "
				+ "commit_lsn pg_lsn, "
				+ "xid bigint, "
				+ "commit_time timestamptz, "
				+ "changes jsonb NOT NULL, "
				+ "exception text, "
				+ "attempts integer NOT NULL, "
				+ "created_at timestamptz NOT NULL DEFAULT now(), "
				+ "replayed_at timestamptz)";
	}

	private String createIndexSql() {
		String suffix = "_pending_idx";
		String base = this.table.substring(0, Math.min(this.table.length(), MAX_IDENTIFIER_LENGTH - suffix.length()));
		return "CREATE INDEX IF NOT EXISTS " + quote(base + suffix) + " ON " + this.qualifiedTable
				+ " (listener_id) WHERE replayed_at IS NULL";
	}

	private boolean tableExists(Connection connection) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
			statement.setString(1, this.qualifiedTable);
			try (ResultSet result = statement.executeQuery()) {
				return result.next() && result.getBoolean(1);
			}
		}
	}

	private static void executeToleratingDuplicates(Connection connection, String sql) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			if (!DUPLICATE_STATES.contains(ex.getSQLState())) {
				throw ex;
			}
		}
	}

	/**
	 * Store a listener's final failure as one dead letter, committed at once on a connection of its own.
	 * @param failure the failure
	 * @return the id of the new dead letter
	 * @throws DataAccessException if it cannot be written
	 */
	@Override
	public long store(CdcListenerFailure failure) {
		Objects.requireNonNull(failure, "failure must not be null");
		Objects.requireNonNull(failure.listenerId(), "failure.listenerId must not be null");
		List<ChangeEvent> changes = (failure.changes() != null) ? failure.changes() : List.of();
		LogicalMessage message = failure.message();
		String sql = "INSERT INTO " + this.qualifiedTable + " (listener_id, table_name, operation, commit_lsn, xid, "
				+ "commit_time, changes, exception, attempts) "
				+ "VALUES (?, ?, ?, CAST(? AS pg_lsn), ?, ?, CAST(? AS jsonb), ?, ?) RETURNING id";
		String json = DeadLetterCodec.encode(changes, message);
		ChangeEvent first = changes.isEmpty() ? null : changes.get(0);
		try (Connection connection = autoCommitConnection();
				PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, failure.listenerId());
			statement.setString(2, summary(changes, (change) -> change.table().toString()));
			statement.setString(3, (first != null) ? summary(changes, (change) -> change.operation().name())
					: (message != null) ? DeadLetterCodec.MESSAGE : null);
			statement.setString(4, (first != null) ? first.commitLsn().toString() : null);
			if (first != null) {
				statement.setLong(5, first.xid());
			}
			else {
				statement.setNull(5, Types.BIGINT);
			}
			statement.setObject(6, (first != null) ? timestamptz(first.commitTime()) : null, Types.TIMESTAMP_WITH_TIMEZONE);
			statement.setString(7, json);
			statement.setString(8, describe(failure.exception()));
			statement.setInt(9, failure.attempts());
			try (ResultSet result = statement.executeQuery()) {
				result.next();
				return result.getLong(1);
			}
		}
		catch (SQLException ex) {
			throw translate("store a dead letter of listener '" + failure.listenerId() + "' in " + this.qualifiedTable,
					sql, ex);
		}
	}

	private static String summary(List<ChangeEvent> changes, Function<ChangeEvent, String> property) {
		if (changes.isEmpty()) {
			return null;
		}
		Set<String> distinct = new LinkedHashSet<>();
		for (ChangeEvent change : changes) {
			distinct.add(property.apply(change));
		}
		return String.join(", ", distinct);
	}

	/** Return the instant as a timestamptz parameter, or null outside the range PostgreSQL can store. */
	private static OffsetDateTime timestamptz(Instant instant) {
		OffsetDateTime time = instant.atOffset(ZoneOffset.UTC);
		return (time.getYear() > -4713 && time.getYear() < 294276) ? time : null;
	}

	/**
	 * Describe an exception as class and message, with its causes, as a PostgreSQL text value can hold it.
	 */
	static String describe(Throwable exception) {
		if (exception == null) {
			return null;
		}
		StringBuilder text = new StringBuilder(exception.toString());
		Map<Throwable, Boolean> seen = new IdentityHashMap<>();
		seen.put(exception, true);
		for (Throwable cause = exception.getCause(); cause != null && seen.put(cause, true) == null; cause = cause
			.getCause()) {
			text.append("\nCaused by: ").append(cause);
		}
		// text columns cannot hold NUL, and a message is free to contain one
		return text.toString().replace("\0", "\\0");
	}

	private static final String UNDEFINED_TABLE = "42P01";

	@Override
	public List<DeadLetter> pending(int limit) {
		return pending(null, 0, limit);
	}

	@Override
	public List<DeadLetter> pending(String listenerId, long afterId, int limit) {
		if (limit < 0) {
			throw new IllegalArgumentException("limit must not be negative, was " + limit);
		}
		String sql = "SELECT " + COLUMNS + " FROM " + this.qualifiedTable + " WHERE replayed_at IS NULL AND id > ?"
				+ ((listenerId != null) ? " AND listener_id = ?" : "") + " ORDER BY id LIMIT ?";
		try (Connection connection = autoCommitConnection();
				PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setLong(1, afterId);
			if (listenerId != null) {
				statement.setString(2, listenerId);
			}
			statement.setInt((listenerId != null) ? 3 : 2, limit);
			List<DeadLetter> deadLetters = new ArrayList<>();
			try (ResultSet result = statement.executeQuery()) {
				while (result.next()) {
					deadLetters.add(deadLetter(result));
				}
			}
			return deadLetters;
		}
		catch (SQLException ex) {
			if (UNDEFINED_TABLE.equals(ex.getSQLState())) {
				// the table is created when a listener first may need it: none yet means no dead letters
				return List.of();
			}
			throw translate("read the pending dead letters of " + this.qualifiedTable, sql, ex);
		}
	}

	@Override
	public DeadLetter find(long id) {
		String sql = "SELECT " + COLUMNS + " FROM " + this.qualifiedTable + " WHERE id = ?";
		try (Connection connection = autoCommitConnection();
				PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setLong(1, id);
			try (ResultSet result = statement.executeQuery()) {
				return result.next() ? deadLetter(result) : null;
			}
		}
		catch (SQLException ex) {
			if (UNDEFINED_TABLE.equals(ex.getSQLState())) {
				return null;
			}
			throw translate("read dead letter " + id + " of " + this.qualifiedTable, sql, ex);
		}
	}

	private DeadLetter deadLetter(ResultSet result) throws SQLException {
		long id = result.getLong("id");
		OffsetDateTime createdAt = result.getObject("created_at", OffsetDateTime.class);
		OffsetDateTime replayedAt = result.getObject("replayed_at", OffsetDateTime.class);
		return new DeadLetter(id, result.getString("listener_id"), decode(id, result.getString("changes")).changes(),
				result.getString("exception"), result.getInt("attempts"),
				(createdAt != null) ? createdAt.toInstant() : null, (replayedAt != null) ? replayedAt.toInstant() : null);
	}

	private DeadLetterCodec.Decoded decode(long id, String json) {
		try {
			return DeadLetterCodec.decode(json, this.converter);
		}
		catch (RuntimeException ex) {
			throw new IllegalStateException("Dead letter " + id + " in " + this.qualifiedTable
					+ " holds changes this version cannot read (" + ex.getMessage() + ")", ex);
		}
	}

	/**
	 * {@inheritDoc}
	 * <p>No lock is held while the listener runs: two concurrent replays of one dead letter both deliver it.
	 */
	@Override
	public void replay(long id) throws Exception {
		String sql = "SELECT listener_id, changes FROM " + this.qualifiedTable + " WHERE id = ?";
		String listenerId;
		String json;
		try (Connection connection = autoCommitConnection();
				PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setLong(1, id);
			try (ResultSet result = statement.executeQuery()) {
				if (!result.next()) {
					throw new IllegalArgumentException("No dead letter with id " + id + " in " + this.qualifiedTable);
				}
				listenerId = result.getString(1);
				json = result.getString(2);
			}
		}
		catch (SQLException ex) {
			if (UNDEFINED_TABLE.equals(ex.getSQLState())) {
				throw new IllegalArgumentException("No dead letter with id " + id + " in " + this.qualifiedTable);
			}
			throw translate("read dead letter " + id + " of " + this.qualifiedTable, sql, ex);
		}
		DeadLetterTarget target = this.targets.apply(listenerId);
		if (target == null) {
			throw new IllegalArgumentException("Cannot replay dead letter " + id + ": no listener with id '" + listenerId
					+ "' exists any more. Delete it, or redeploy a listener with that id");
		}
		DeadLetterCodec.Decoded decoded = decode(id, json);
		// the connection is back in the pool while the listener runs, which may need one itself
		if (decoded.message() != null && decoded.changes().isEmpty()) {
			target.redeliver(decoded.message());
		}
		else {
			target.redeliver(decoded.changes());
		}
		markReplayed(id);
	}

	private void markReplayed(long id) {
		String sql = "UPDATE " + this.qualifiedTable + " SET replayed_at = now() WHERE id = ?";
		try (Connection connection = autoCommitConnection();
				PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setLong(1, id);
			statement.executeUpdate();
		}
		catch (SQLException ex) {
			throw translate("mark dead letter " + id + " of " + this.qualifiedTable + " replayed", sql, ex);
		}
	}

	@Override
	public boolean delete(long id) {
		String sql = "DELETE FROM " + this.qualifiedTable + " WHERE id = ?";
		try (Connection connection = autoCommitConnection();
				PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setLong(1, id);
			return statement.executeUpdate() > 0;
		}
		catch (SQLException ex) {
			if (UNDEFINED_TABLE.equals(ex.getSQLState())) {
				return false;
			}
			throw translate("delete dead letter " + id + " of " + this.qualifiedTable, sql, ex);
		}
	}

	/**
	 * Return a connection of its own (not one bound to the caller's transaction) in autocommit mode, so
	 * that what is written is committed whatever happens to the caller's transaction.
	 */
	private Connection autoCommitConnection() throws SQLException {
		Connection connection = this.dataSource.getConnection();
		try {
			if (!connection.getAutoCommit()) {
				connection.setAutoCommit(true);
			}
			return connection;
		}
		catch (SQLException ex) {
			connection.close();
			throw ex;
		}
	}

	private DataAccessException translate(String task, String sql, SQLException ex) {
		DataAccessException translated = this.exceptionTranslator.translate("Could not " + task, sql, ex);
		return (translated != null) ? translated : new UncategorizedSQLException("Could not " + task, sql, ex);
	}

	@Override
	public String toString() {
		return "JdbcDeadLetters{" + this.qualifiedTable + "}";
	}

	/**
	 * Where {@link JdbcDeadLetters#replay(long)} hands a dead letter: the listener it came from.
	 */
	@FunctionalInterface
	public interface DeadLetterTarget {

		/**
		 * Deliver stored changes to the listener again, on the caller's thread.
		 * @param changes the changes of the dead letter, in their original order
		 * @throws Exception whatever the listener throws; the dead letter then stays pending
		 */
		void redeliver(List<ChangeEvent> changes) throws Exception;

		/**
		 * Deliver a stored logical message to the listener again, on the caller's thread.
		 * <p>The default refuses: a target that can deliver messages overrides it.
		 * @param message the message of the dead letter
		 * @throws Exception whatever the listener throws; the dead letter then stays pending
		 */
		default void redeliver(LogicalMessage message) throws Exception {
			throw new UnsupportedOperationException(
					"This listener cannot be given a logical message again (prefix '" + message.prefix() + "')");
		}

	}

}
