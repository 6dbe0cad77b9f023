package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.ReplicationSlotInfo;
import org.postgresql.replication.ReplicationType;

/**
 * Creates the engine's logical slots as failover slots where the server has them (PostgreSQL 17 and
 * later, {@code cdc.slot.failover}), so that a standby with slot synchronization keeps a copy and capture
 * continues on it after a failover; and explains a slot that is missing after one.
 *
 * <p>Temporary slots are never failover slots (PostgreSQL refuses it), and an older server ignores the
 * setting with an INFO message. An existing slot that is not a failover slot is altered when it is free.
 *
 * @author pgcdc
 */
public final class FailoverSlots {

	/** The first server version with failover slots. */
	static final int MIN_SERVER_VERSION = 170000;

	private static final Log logger = LogFactory.getLog(FailoverSlots.class);

	private final ReplicationSettings settings;

	public FailoverSlots(ReplicationSettings settings) {
		this.settings = settings;
	}

	/**
	 * Return whether slots created for this server are failover slots, logging once why not when the
	 * setting is on but the server is too old.
	 * @param serverVersion {@code server_version_num}
	 * @return whether to create failover slots
	 */
	boolean enabled(int serverVersion) {
		if (!this.settings.failoverSlot()) {
			return false;
		}
		if (serverVersion < MIN_SERVER_VERSION) {
			logger.info("cdc.slot.failover is ignored: PostgreSQL " + serverVersion / 10000 + " has no failover slots "
					+ "(PostgreSQL 17 and later do). After a primary failover the slot will be missing on the new primary.");
			return false;
		}
		return true;
	}

	/**
	 * Create the (permanent) slot over SQL, where no snapshot is exported.
	 * @param connection a plain connection
	 * @param serverVersion {@code server_version_num}
	 * @return the slot's consistent point, as text
	 */
	String createWithSql(Connection connection, int serverVersion) throws SQLException {
		boolean failover = enabled(serverVersion);
		String sql = failover ? "SELECT lsn::text FROM pg_create_logical_replication_slot(?, ?, false, false, true)"
				: "SELECT lsn::text FROM pg_create_logical_replication_slot(?, ?, false)";
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, this.settings.slotName());
			statement.setString(2, ReplicationSetup.PLUGIN);
			try (ResultSet rs = statement.executeQuery()) {
				rs.next();
				return rs.getString(1) + (failover ? " (failover slot)" : "");
			}
		}
	}

	/**
	 * Create the slot on the replication connection, exporting its snapshot: as a failover slot where the
	 * server has them and the slot is permanent.
	 * @param replication a replication connection, on which nothing else may run until the snapshot is imported
	 * @param temporary whether the slot is temporary ({@code cdc.snapshot.mode=initial-only})
	 * @return the slot, with the exported snapshot's name and the consistent point
	 */
	public ReplicationSlotInfo createExportingSnapshot(Connection replication, boolean temporary) throws SQLException {
		String slot = this.settings.slotName();
		if (temporary || !enabled(serverVersion(replication))) {
			var builder = replication.unwrap(PGConnection.class)
				.getReplicationAPI()
				.createReplicationSlot()
				.logical()
				.withSlotName(slot)
				.withOutputPlugin(ReplicationSetup.PLUGIN);
			return (temporary ? builder.withTemporaryOption() : builder).make();
		}
		String command = "CREATE_REPLICATION_SLOT " + ReplicationSetup.quote(slot) + " LOGICAL " + ReplicationSetup.PLUGIN
				+ " (SNAPSHOT 'export', FAILOVER true)";
		try (Statement statement = replication.createStatement(); ResultSet rs = statement.executeQuery(command)) {
			rs.next();
			logger.info("Created failover slot '" + slot + "'");
			return new ReplicationSlotInfo(rs.getString(1), ReplicationType.LOGICAL, LogSequenceNumber.valueOf(rs.getString(2)),
					rs.getString(3), rs.getString(4));
		}
	}

	/**
	 * Make an existing slot a failover slot when it is not one and the setting asks for it. A slot in use
	 * (another instance streams it) is left as it is, with a warning.
	 * @param connection a plain connection
	 * @param connector opens the replication connection {@code ALTER_REPLICATION_SLOT} needs
	 * @param serverVersion {@code server_version_num}
	 */
	void alignExisting(Connection connection, PgConnector connector, int serverVersion) throws SQLException {
		if (!this.settings.failoverSlot() || serverVersion < MIN_SERVER_VERSION) {
			enabled(serverVersion);
			return;
		}
		String slot = this.settings.slotName();
		try (PreparedStatement statement = connection
			.prepareStatement("SELECT failover, temporary, synced FROM pg_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, slot);
			try (ResultSet rs = statement.executeQuery()) {
				if (!rs.next() || rs.getBoolean(1) || rs.getBoolean(2)) {
					return;
				}
				if (rs.getBoolean(3)) {
					logger.info("Replication slot '" + slot + "' was synchronized to this server before it was promoted");
				}
			}
		}
		try (Connection replication = connector.openReplication(); Statement statement = replication.createStatement()) {
			statement.execute("ALTER_REPLICATION_SLOT " + ReplicationSetup.quote(slot) + " (FAILOVER true)");
			logger.info("Replication slot '" + slot + "' is a failover slot now (cdc.slot.failover=true): a standby with "
					+ "sync_replication_slots = on keeps a copy of it");
		}
		catch (SQLException ex) {
			logger.warn("Replication slot '" + slot + "' is not a failover slot, and it could not be made one now ("
					+ ex.getMessage() + "): after a primary failover it would be missing on the new primary. pgcdc tries "
					+ "again on the next start; or run ALTER_REPLICATION_SLOT " + ReplicationSetup.quote(slot)
					+ " (FAILOVER true) on a replication connection while the slot is not streamed.");
		}
	}

	/**
	 * Explain a replication slot found missing while streaming (SQLSTATE {@code 42704} at
	 * {@code START_REPLICATION}), for the classifier that ends capture: after a failover, the new primary
	 * lacks a slot that was not synchronized to it.
	 * @param connector opens a plain connection to the server now reached
	 * @param slot the slot name
	 * @return the explanation and the recovery, or {@code null} when the slot exists after all (so the error
	 * was about something else, such as the publication) or the server cannot be asked
	 */
	public static String explainMissingSlot(PgConnector connector, String slot) {
		try (Connection connection = connector.open()) {
			try (PreparedStatement statement = connection
				.prepareStatement("SELECT 1 FROM pg_replication_slots WHERE slot_name = ?")) {
				statement.setString(1, slot);
				try (ResultSet rs = statement.executeQuery()) {
					if (rs.next()) {
						return null;
					}
				}
			}
			// the current WAL file names the timeline at once; pg_control only after the next checkpoint
			long timeline = Long.parseLong(ReplicationSetup.queryString(connection, "SELECT CASE WHEN pg_is_in_recovery() "
					+ "THEN 1 ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END"));
			int version = Integer.parseInt(ReplicationSetup.queryString(connection, "SHOW server_version_num"));
			return missingSlotMessage(slot, timeline, version);
		}
		catch (SQLException | RuntimeException ex) {
			logger.debug("Could not look for replication slot '" + slot + "'", ex);
			return null;
		}
	}

	static String missingSlotMessage(String slot, long timeline, int serverVersion) {
		String what = (timeline > 1)
				? "Replication slot '" + slot + "' does not exist on this server, which was promoted from a standby "
						+ "(timeline " + timeline + "): a primary failover happened and the slot was not synchronized to "
						+ "this standby. "
				: "Replication slot '" + slot + "' does not exist any more: it was dropped, or capture now reaches "
						+ "another server (a failover). ";
		String prevent = (serverVersion >= MIN_SERVER_VERSION)
				? "Before the next failover, keep cdc.slot.failover=true and configure the standby with "
						+ "sync_replication_slots = on, hot_standby_feedback = on, primary_slot_name and a primary_conninfo "
						+ "naming dbname, and the primary with synchronized_standby_slots (see docs/operations.md, Failover)."
				: "PostgreSQL " + serverVersion / 10000 + " cannot synchronize slots to a standby (PostgreSQL 17 and later "
						+ "can, with cdc.slot.failover=true): after every failover the slot must be recreated.";
		return what + "The changes made since the slot's last synchronization (or since the failover) cannot be read "
				+ "any more. Recover by starting with cdc.snapshot.mode=initial, which creates a new slot and reloads the "
				+ "tables. " + prevent;
	}

	private static int serverVersion(Connection replication) throws SQLException {
		return Integer.parseInt(ReplicationSetup.queryString(replication, "SHOW server_version_num"));
	}

}
