package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.pgcdc.event.TableId;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Checks that a database is ready for change data capture and creates or aligns the publication and
 * the replication slot as configured.
 *
 * <p>Every problem that needs a person is reported as a {@link ReplicationSetupException} whose message
 * names the fix; problems that only limit what is captured (a table without a key) are logged as
 * warnings and returned by {@link #warnings()}.
 *
 * @author pgcdc
 */
public final class ReplicationSetup {

	/** The output plugin the engine speaks. */
	public static final String PLUGIN = "pgoutput";

	static final int MIN_SERVER_VERSION = 140000;

	private static final Log logger = LogFactory.getLog(ReplicationSetup.class);

	private final ReplicationSettings settings;

	private final List<String> warnings = new ArrayList<>();

	private int serverVersion;

	public ReplicationSetup(ReplicationSettings settings) {
		this.settings = settings;
	}

	/**
	 * Run every check and create what is missing, on a plain connection.
	 * @param connection a plain (not replication) connection to the captured database
	 * @return whether the slot exists now and needs no creation on the replication connection
	 * @throws SQLException on a database error not covered by a check
	 */
	public SlotStatus prepare(Connection connection) throws SQLException {
		checkServer(connection);
		checkOriginFilter(this.serverVersion);
		checkRole(connection);
		List<TableId> tables = resolveTables(connection);
		preparePublication(connection, tables);
		checkReplicaIdentity(connection, tables);
		SlotStatus slot = prepareSlot(connection);
		checkSnapshotPrivileges(connection, slot);
		return slot;
	}

	/** A snapshot the role may not read would fail in the reconnect loop, again and again: fail start-up. */
	void checkSnapshotPrivileges(Connection connection, SlotStatus slot) throws SQLException {
		if (slot != SlotStatus.CREATE_FOR_SNAPSHOT && slot != SlotStatus.CREATE_TEMPORARY_FOR_SNAPSHOT) {
			return;
		}
		List<String> internal = new ArrayList<>(this.settings.internalTables());
		internal.add(SnapshotState.TABLE);
		internal.add(ResnapshotState.TABLE);
		PrivilegeCheck.checkSnapshotReadable(connection, this.settings.publicationName(),
				new InternalTables(internal).or(this.settings.optInMatcher()),
				"cdc.snapshot.mode=" + this.settings.snapshotMode().name().toLowerCase().replace('_', '-'));
	}

	/**
	 * Return the warnings of the last {@link #prepare(Connection)}.
	 * @return the warning messages
	 */
	public List<String> warnings() {
		return List.copyOf(this.warnings);
	}

	/**
	 * Return the server version number ({@code server_version_num}) seen by the last check.
	 * @return for example 170004
	 */
	public int serverVersion() {
		return this.serverVersion;
	}

	void checkServer(Connection connection) throws SQLException {
		this.serverVersion = Integer.parseInt(queryString(connection, "SHOW server_version_num"));
		if (this.serverVersion < MIN_SERVER_VERSION) {
			throw new ReplicationSetupException("PostgreSQL " + queryString(connection, "SHOW server_version")
					+ " is too old: pgcdc needs PostgreSQL 14 or later (pgoutput with logical messages). Upgrade the server.");
		}
		String walLevel = queryString(connection, "SHOW wal_level");
		if (!"logical".equals(walLevel)) {
			throw new ReplicationSetupException("wal_level is '" + walLevel
					+ "' but change data capture needs 'logical'. Run ALTER SYSTEM SET wal_level = logical and restart "
					+ "PostgreSQL (Amazon RDS/Aurora: set rds.logical_replication = 1 in the parameter group; "
					+ "Cloud SQL: cloudsql.logical_decoding = on; Azure: wal_level = logical in server parameters).");
		}
		String encoding = queryString(connection, "SHOW server_encoding");
		if (!"UTF8".equalsIgnoreCase(encoding) && !"SQL_ASCII".equalsIgnoreCase(encoding)) {
			warn("Database encoding is " + encoding + ": pgcdc decodes text as UTF-8, so non-ASCII text may be "
					+ "garbled. Use a UTF8 database.");
		}
	}

	/**
	 * Check that the server can filter changes by origin as configured: {@code origin = none} needs
	 * PostgreSQL 16, whose pgoutput knows the option; older servers would fail the stream start with a
	 * less helpful "unrecognized option".
	 * @param serverVersion the server's {@code server_version_num}
	 */
	void checkOriginFilter(int serverVersion) {
		if (this.settings.origin() == OriginFilter.NONE && serverVersion < OriginFilter.MIN_SERVER_VERSION_FOR_NONE) {
			throw new ReplicationSetupException("cdc.origin=none needs PostgreSQL 16 or later, but the server is "
					+ "PostgreSQL " + serverVersion / 10000 + " (server_version_num " + serverVersion + "): older "
					+ "servers cannot leave out changes applied under a replication origin. Upgrade the server to 16 or "
					+ "later, or set cdc.origin=any (changes applied by replication are then captured too).");
		}
	}

	void checkRole(Connection connection) throws SQLException {
		PrivilegeCheck.checkReplication(connection);
	}

	List<TableId> resolveTables(Connection connection) throws SQLException {
		List<TableId> resolved = new ArrayList<>();
		for (String configured : this.settings.tables()) {
			TableId table = TableId.parse(configured);
			try (PreparedStatement statement = connection.prepareStatement(
					"SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
							+ "WHERE n.nspname = ? AND c.relname = ?")) {
				statement.setString(1, table.schema());
				statement.setString(2, table.name());
				try (ResultSet rs = statement.executeQuery()) {
					if (!rs.next()) {
						throw new ReplicationSetupException("Table " + table + " listed in cdc.publication.tables does not "
								+ "exist in database '" + connection.getCatalog() + "'. Check the name (a bare name means "
								+ "schema public) or create the table before the application starts.");
					}
					String kind = rs.getString(1);
					if (!"r".equals(kind) && !"p".equals(kind)) {
						throw new ReplicationSetupException(table + " listed in cdc.publication.tables is not a table "
								+ "(relkind '" + kind + "'); only tables can be published. Remove it from the list.");
					}
				}
			}
			resolved.add(table);
		}
		return resolved;
	}

	void preparePublication(Connection connection, List<TableId> tables) throws SQLException {
		String name = this.settings.publicationName();
		boolean partitioned = PublicationCheck.anyPartitioned(connection, tables);
		PublicationCheck.Flags flags = PublicationCheck.flags(connection, name);
		String create = PublicationCheck.createSql(name, tables, partitioned);
		if (!this.settings.createPublication()) {
			if (flags == null) {
				throw new ReplicationSetupException("Publication '" + name + "' does not exist and "
						+ "cdc.publication.create=false. Ask an administrator to run " + create
						+ ", or set cdc.publication.create=true to let pgcdc create it.");
			}
			PublicationCheck.checkUnmanaged(connection, name, tables, flags, partitioned);
			return;
		}
		if (flags == null) {
			execute(connection, create, "create publication '" + name + "'");
			logger.info("Created publication '" + name + "' for " + describe(tables));
			return;
		}
		if (tables.isEmpty() != flags.allTables()) {
			execute(connection, "DROP PUBLICATION " + quote(name), "drop publication '" + name + "'");
			execute(connection, create, "create publication '" + name + "'");
			logger.info("Recreated publication '" + name + "' for " + describe(tables) + ", as configured");
			return;
		}
		for (String alter : PublicationCheck.alignFlags(name, flags, partitioned)) {
			execute(connection, alter, "align the options of publication '" + name + "'");
			logger.info("Publication '" + name + "': " + alter);
		}
		if (tables.isEmpty()) {
			return;
		}
		Set<TableId> current = publishedTables(connection, name);
		if (!current.equals(new LinkedHashSet<>(tables))) {
			execute(connection, "ALTER PUBLICATION " + quote(name) + " SET TABLE " + tableList(tables),
					"update the tables of publication '" + name + "'");
			logger.info("Publication '" + name + "' now covers " + describe(tables) + " (was " + current + ")");
		}
	}

	/** The tables a publication publishes, as pg_publication_tables lists them (partitioned tables via the root). */
	static Set<TableId> publishedTables(Connection connection, String publication) throws SQLException {
		Set<TableId> tables = new LinkedHashSet<>();
		try (PreparedStatement statement = connection
			.prepareStatement("SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = ?")) {
			statement.setString(1, publication);
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					tables.add(new TableId(rs.getString(1), rs.getString(2)));
				}
			}
		}
		return tables;
	}

	void checkReplicaIdentity(Connection connection, List<TableId> configured) throws SQLException {
		String sql = "SELECT n.nspname, c.relname FROM pg_publication_tables p "
				+ "JOIN pg_namespace n ON n.nspname = p.schemaname "
				+ "JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename "
				+ "WHERE p.pubname = ? AND (c.relreplident = 'n' OR (c.relreplident = 'd' AND NOT EXISTS "
				+ "(SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)))";
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, this.settings.publicationName());
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					TableId table = new TableId(rs.getString(1), rs.getString(2));
					warn("Table " + table + " has no primary key and no replica identity: its DELETE events carry no key, "
							+ "and PostgreSQL rejects UPDATE and DELETE on it while it is published. Add a primary key, "
							+ "or run ALTER TABLE " + table.toSql() + " REPLICA IDENTITY FULL.");
				}
			}
		}
	}

	SlotStatus prepareSlot(Connection connection) throws SQLException {
		String slot = this.settings.slotName();
		try (PreparedStatement statement = connection.prepareStatement(
				"SELECT plugin, slot_type, database, active, active_pid, wal_status, confirmed_flush_lsn::text "
						+ "FROM pg_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, slot);
			try (ResultSet rs = statement.executeQuery()) {
				if (rs.next()) {
					SlotStatus existing = existingSlot(connection, rs);
					if (!redoInterruptedSnapshot(connection)) {
						alignFailover(connection);
						return existing;
					}
				}
			}
		}
		if (!this.settings.createSlot()) {
			throw new ReplicationSetupException("Replication slot '" + slot + "' does not exist and cdc.slot.create=false. "
					+ "Create it with SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput'), or set "
					+ "cdc.slot.create=true.");
		}
		checkFreeSlot(connection);
		if (this.settings.snapshotMode() == SnapshotMode.INITIAL_ONLY) {
			return SlotStatus.CREATE_TEMPORARY_FOR_SNAPSHOT;
		}
		if (this.settings.snapshotMode() == SnapshotMode.INITIAL) {
			return SlotStatus.CREATE_FOR_SNAPSHOT;
		}
		if (this.settings.temporarySlot()) {
			return SlotStatus.CREATE_TEMPORARY;
		}
		try {
			logger.info("Created logical replication slot '" + slot + "' at "
					+ new FailoverSlots(this.settings).createWithSql(connection, this.serverVersion));
		}
		catch (SQLException ex) {
			if ("42710".equals(ex.getSQLState())) {
				// another instance created it at the same moment; use it
				return SlotStatus.EXISTS;
			}
			throw setupFailure(ex, "create replication slot '" + slot + "'");
		}
		return SlotStatus.CREATED;
	}

	/** An existing slot that should be a failover slot (cdc.slot.failover) is made one. */
	void alignFailover(Connection connection) throws SQLException {
		new FailoverSlots(this.settings).alignExisting(connection, new PgConnector(this.settings.connection()),
				this.serverVersion);
	}

	/**
	 * An existing slot whose initial snapshot never finished must not be streamed: the rows it did not read
	 * would be missing for good. Drop it, so that a new slot and a new snapshot are taken.
	 */
	private boolean redoInterruptedSnapshot(Connection connection) throws SQLException {
		String slot = this.settings.slotName();
		if (this.settings.snapshotMode() == SnapshotMode.INITIAL_ONLY) {
			throw new ReplicationSetupException("cdc.snapshot.mode=initial-only reads its snapshot on a temporary slot, "
					+ "but replication slot '" + slot + "' exists. Choose another cdc.slot.name.");
		}
		if (this.settings.snapshotMode() != SnapshotMode.INITIAL
				|| !SnapshotState.RUNNING.equals(SnapshotState.status(connection, slot))) {
			return false;
		}
		logger.warn("The initial snapshot of slot '" + slot + "' was interrupted; dropping the slot to take a new "
				+ "snapshot, so that no row is missing");
		// a crashed instance's walsender may hold the slot for a moment after the crash
		for (int attempt = 1;; attempt++) {
			try (PreparedStatement statement = connection.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
				statement.setString(1, slot);
				statement.execute();
				return true;
			}
			catch (SQLException ex) {
				if (!"55006".equals(ex.getSQLState()) || attempt == 50) {
					throw setupFailure(ex, "drop replication slot '" + slot + "' to redo its interrupted snapshot");
				}
				try {
					Thread.sleep(200);
				}
				catch (InterruptedException interrupted) {
					Thread.currentThread().interrupt();
					throw setupFailure(ex, "drop replication slot '" + slot + "'");
				}
			}
		}
	}

	private SlotStatus existingSlot(Connection connection, ResultSet rs) throws SQLException {
		String slot = this.settings.slotName();
		String plugin = rs.getString(1);
		String type = rs.getString(2);
		String database = rs.getString(3);
		if (!"logical".equals(type)) {
			throw new ReplicationSetupException("Replication slot '" + slot + "' is a " + type
					+ " slot; change data capture needs a logical one. Choose another cdc.slot.name.");
		}
		if (!PLUGIN.equals(plugin)) {
			throw new ReplicationSetupException("Replication slot '" + slot + "' uses the output plugin '" + plugin
					+ "', but pgcdc reads 'pgoutput'. Choose another cdc.slot.name, or drop the slot with "
					+ "SELECT pg_drop_replication_slot('" + slot + "') if nothing else uses it.");
		}
		if (database != null && !database.equals(connection.getCatalog())) {
			throw new ReplicationSetupException("Replication slot '" + slot + "' belongs to database '" + database
					+ "', not '" + connection.getCatalog() + "'. Choose another cdc.slot.name for this database.");
		}
		if ("lost".equals(rs.getString(6))) {
			throw new ReplicationSetupException("Replication slot '" + slot + "' was invalidated (wal_status = lost): "
					+ "PostgreSQL removed WAL it still needed, so changes were lost for good. Recover by dropping it "
					+ "(SELECT pg_drop_replication_slot('" + slot + "')) and starting with cdc.snapshot.mode=initial "
					+ "on a new slot to reload the tables.");
		}
		return SlotStatus.EXISTS;
	}

	private void checkFreeSlot(Connection connection) throws SQLException {
		int max = Integer.parseInt(queryString(connection, "SHOW max_replication_slots"));
		int used = Integer.parseInt(queryString(connection, "SELECT count(*) FROM pg_replication_slots"));
		if (used >= max) {
			throw new ReplicationSetupException("No free replication slot: all " + max + " are in use "
					+ "(max_replication_slots = " + max + "). Drop unused slots (SELECT pg_drop_replication_slot(slot_name) "
					+ "FROM pg_replication_slots WHERE NOT active) or raise max_replication_slots and restart PostgreSQL.");
		}
	}

	private void warn(String message) {
		logger.warn(message);
		this.warnings.add(message);
	}

	private static String tableList(List<TableId> tables) {
		return PublicationCheck.tableList(tables);
	}

	private static String describe(List<TableId> tables) {
		return tables.isEmpty() ? "all tables" : tables.toString();
	}

	private static void execute(Connection connection, String sql, String what) {
		try (Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw setupFailure(ex, what);
		}
	}

	private static ReplicationSetupException setupFailure(SQLException ex, String what) {
		String hint = "42501".equals(ex.getSQLState())
				? " The role lacks the privilege: a FOR ALL TABLES publication needs a superuser, a table list needs "
						+ "ownership of the tables. Have an administrator create the publication and set "
						+ "cdc.publication.create=false."
				: "";
		return new ReplicationSetupException("Could not " + what + ": " + ex.getMessage() + "." + hint, ex);
	}

	static String queryString(Connection connection, String sql) throws SQLException {
		try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
			rs.next();
			return rs.getString(1);
		}
	}

	static String quote(String identifier) {
		return "\"" + identifier.replace("\"", "\"\"") + "\"";
	}

	/** What {@link #prepare(Connection)} found or did about the slot. */
	public enum SlotStatus {

		/** The slot was there already. */
		EXISTS,

		/** The slot was created now. */
		CREATED,

		/** A temporary slot must be created on the replication connection itself. */
		CREATE_TEMPORARY,

		/** The slot must be created on the replication connection, exporting the snapshot to read first. */
		CREATE_FOR_SNAPSHOT,

		/** As {@link #CREATE_FOR_SNAPSHOT}, with a temporary slot, for a snapshot and nothing after. */
		CREATE_TEMPORARY_FOR_SNAPSHOT

	}

}
