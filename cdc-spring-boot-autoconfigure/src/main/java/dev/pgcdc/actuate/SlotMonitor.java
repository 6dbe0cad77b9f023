package dev.pgcdc.actuate;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import dev.pgcdc.event.Lsn;
import dev.pgcdc.replication.ConnectionSettings;
import dev.pgcdc.replication.PgConnector;
import dev.pgcdc.replication.ReplicationSettings;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Reads the replication slot's state from the server with one query on a plain connection of its own,
 * never touching the engine's connections, and keeps the answer for a few seconds so that health checks
 * and metric scrapes do not query the database each time.
 *
 * <p>Each {@link SlotWarning} is logged once, when it first appears. A server that cannot be reached
 * gives a report with only an error, with no secret in it.
 *
 * @author pgcdc
 */
public final class SlotMonitor {

	/** How long {@link #current()} reuses a report by default. */
	public static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(5);

	private static final Log logger = LogFactory.getLog(SlotMonitor.class);

	static final String QUERY = """
			SELECT s.slot_name IS NOT NULL AS found, s.plugin, s.active, s.restart_lsn::text AS restart_lsn,
			       s.confirmed_flush_lsn::text AS confirmed_flush_lsn, s.wal_status, s.safe_wal_size,
			       server.lsn::text AS server_lsn,
			       pg_wal_lsn_diff(server.lsn, s.confirmed_flush_lsn)::bigint AS lag_bytes,
			       pg_wal_lsn_diff(server.lsn, s.restart_lsn)::bigint AS retained_bytes,
			       current_setting('max_slot_wal_keep_size') AS max_slot_wal_keep_size
			FROM (SELECT pg_current_wal_lsn() AS lsn) AS server
			LEFT JOIN pg_replication_slots s ON s.slot_name = ?
			""";

	private final String slotName;

	private final PgConnector connector;

	private final SecretMasker masker;

	private final long maxAgeNanos;

	private final Set<SlotWarning> logged = EnumSet.noneOf(SlotWarning.class);

	private SlotReport last;

	private long lastNanos;

	private boolean unavailableLogged;

	/**
	 * Create a monitor that reuses a report for {@link #DEFAULT_MAX_AGE}.
	 * @param settings the engine's settings: the slot and the connection
	 */
	public SlotMonitor(ReplicationSettings settings) {
		this(settings, DEFAULT_MAX_AGE);
	}

	/**
	 * Create a monitor.
	 * @param settings the engine's settings: the slot and the connection
	 * @param maxAge how long {@link #current()} reuses a report
	 */
	public SlotMonitor(ReplicationSettings settings, Duration maxAge) {
		Objects.requireNonNull(settings, "settings must not be null");
		this.slotName = settings.slotName();
		this.connector = new PgConnector(monitoringConnection(settings.connection()));
		this.masker = new SecretMasker(settings.connection());
		this.maxAgeNanos = maxAge.toNanos();
	}

	/** The engine's connection with short timeouts and its own application name. */
	private static ConnectionSettings monitoringConnection(ConnectionSettings connection) {
		Map<String, String> properties = new HashMap<>(connection.properties());
		properties.putIfAbsent("connectTimeout", "5");
		properties.putIfAbsent("loginTimeout", "10");
		properties.putIfAbsent("socketTimeout", "10");
		properties.putIfAbsent("ApplicationName", "pgcdc-monitor");
		return new ConnectionSettings(connection.url(), connection.username(), connection.password(), properties);
	}

	public String slotName() {
		return this.slotName;
	}

	/**
	 * Return a report no older than the monitor's maximum age, querying the server if needed.
	 * @return the report
	 */
	public synchronized SlotReport current() {
		if (this.last == null || System.nanoTime() - this.lastNanos > this.maxAgeNanos) {
			return refresh();
		}
		return this.last;
	}

	/**
	 * Query the server now.
	 * @return the new report
	 */
	public synchronized SlotReport refresh() {
		SlotReport report = query();
		this.last = report;
		this.lastNanos = System.nanoTime();
		logChanges(report);
		return report;
	}

	/**
	 * Remove the connection's secrets from a text, for messages that leave the application.
	 * @param text the text, may be {@code null}
	 * @return the masked text
	 */
	public String mask(String text) {
		return this.masker.mask(text);
	}

	private SlotReport query() {
		try (Connection connection = this.connector.open();
				PreparedStatement statement = connection.prepareStatement(QUERY)) {
			statement.setString(1, this.slotName);
			try (ResultSet rs = statement.executeQuery()) {
				rs.next();
				boolean found = rs.getBoolean("found");
				return new SlotReport(this.slotName, found, rs.getString("plugin"), (Boolean) rs.getObject("active"),
						lsn(rs.getString("restart_lsn")), lsn(rs.getString("confirmed_flush_lsn")),
						rs.getString("wal_status"), longOrNull(rs, "safe_wal_size"), lsn(rs.getString("server_lsn")),
						notNegative(longOrNull(rs, "lag_bytes")), notNegative(longOrNull(rs, "retained_bytes")),
						rs.getString("max_slot_wal_keep_size"), null, Instant.now());
			}
		}
		catch (SQLException | RuntimeException ex) {
			String message = "Could not read the state of replication slot '" + this.slotName + "': "
					+ this.masker.mask(String.valueOf(ex.getMessage()));
			return SlotReport.unavailable(this.slotName, message);
		}
	}

	private void logChanges(SlotReport report) {
		if (!report.available()) {
			if (!this.unavailableLogged) {
				this.unavailableLogged = true;
				logger.warn(report.error());
			}
			return;
		}
		this.unavailableLogged = false;
		List<SlotWarning> warnings = report.warnings();
		for (SlotWarning warning : warnings) {
			if (this.logged.add(warning)) {
				logger.warn(warning.describe(this.slotName));
			}
		}
		this.logged.retainAll(warnings);
	}

	private static Lsn lsn(String text) {
		return (text != null) ? Lsn.parse(text) : null;
	}

	private static Long longOrNull(ResultSet rs, String column) throws SQLException {
		long value = rs.getLong(column);
		return rs.wasNull() ? null : value;
	}

	private static Long notNegative(Long value) {
		return (value != null) ? Math.max(0L, value) : null;
	}

}
