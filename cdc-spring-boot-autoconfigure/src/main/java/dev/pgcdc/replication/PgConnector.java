package dev.pgcdc.replication;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.postgresql.PGProperty;

/**
 * Opens the two kinds of connection the engine uses: the replication connection that streams the slot,
 * and plain connections for setup checks, catalog look-ups and heartbeats.
 *
 * <p>The replication connection always runs with {@code socketTimeout=0}, whatever the URL says:
 * pgjdbc 42.7.11 and later fail a blocking {@code read()} on an idle slot with "Tried to write to an
 * inactive copy operation" when a socket timeout is set. A dead peer is noticed by the engine's
 * watchdog instead.
 *
 * @author pgcdc
 */
public final class PgConnector {

	private static final String APPLICATION_NAME = "pgcdc";

	private final ConnectionSettings settings;

	public PgConnector(ConnectionSettings settings) {
		this.settings = settings;
	}

	public ConnectionSettings settings() {
		return this.settings;
	}

	/**
	 * Open a logical replication connection ({@code replication=database}).
	 * @return a new connection, the caller closes it
	 * @throws SQLException if it cannot connect
	 */
	public Connection openReplication() throws SQLException {
		Properties properties = baseProperties();
		PGProperty.REPLICATION.set(properties, "database");
		PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "10");
		PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
		PGProperty.SOCKET_TIMEOUT.set(properties, 0);
		PGProperty.TCP_KEEP_ALIVE.set(properties, true);
		properties.setProperty(PGProperty.APPLICATION_NAME.getName(), APPLICATION_NAME + "-replication");
		return DriverManager.getConnection(withoutSocketTimeout(this.settings.url()), properties);
	}

	/**
	 * Open a plain connection in auto-commit mode.
	 * @return a new connection, the caller closes it
	 * @throws SQLException if it cannot connect
	 */
	public Connection open() throws SQLException {
		Properties properties = baseProperties();
		properties.putIfAbsent(PGProperty.SOCKET_TIMEOUT.getName(), "60");
		properties.putIfAbsent(PGProperty.APPLICATION_NAME.getName(), APPLICATION_NAME);
		disableTimeoutsAtStartup(properties);
		return withoutSessionTimeouts(DriverManager.getConnection(this.settings.url(), properties));
	}

	/**
	 * Open a connection for reading a snapshot: not in auto-commit mode, and with every value in text
	 * format, as {@code pgoutput} sends them.
	 * @return a new connection, the caller closes it
	 * @throws SQLException if it cannot connect
	 */
	public Connection openSnapshot() throws SQLException {
		Properties properties = baseProperties();
		PGProperty.BINARY_TRANSFER.set(properties, false);
		PGProperty.SOCKET_TIMEOUT.set(properties, 0);
		properties.setProperty(PGProperty.APPLICATION_NAME.getName(), APPLICATION_NAME + "-snapshot");
		disableTimeoutsAtStartup(properties);
		Connection connection = withoutSessionTimeouts(
				DriverManager.getConnection(withoutSocketTimeout(this.settings.url()), properties));
		connection.setAutoCommit(false);
		return connection;
	}

	/**
	 * Open a plain connection that waits in a read for ever, to notice when the server ends it.
	 * @return a new connection without a socket timeout, the caller closes it
	 * @throws SQLException if it cannot connect
	 */
	public Connection openWatch() throws SQLException {
		Properties properties = baseProperties();
		PGProperty.SOCKET_TIMEOUT.set(properties, 0);
		PGProperty.TCP_KEEP_ALIVE.set(properties, true);
		properties.setProperty(PGProperty.APPLICATION_NAME.getName(), APPLICATION_NAME + "-watch");
		disableTimeoutsAtStartup(properties);
		return withoutSessionTimeouts(DriverManager.getConnection(withoutSocketTimeout(this.settings.url()), properties));
	}

	/**
	 * The engine's plain connections wait idle by design (the server watch blocks in a read for ever, the
	 * heartbeat connection waits between beats, the snapshot reader waits in its transaction while consumers
	 * catch up): a timeout set for the role or the server would end them and, through the watch, abort a
	 * healthy stream at that interval. Each turns the timeouts off for itself: those every supported server
	 * knows in the startup packet (which wins over role settings, so even a tiny statement_timeout cannot
	 * cancel the first query), {@code idle_session_timeout} with {@code set_config} where it exists
	 * (PostgreSQL 14 and later), so that an older server still connects and reports its version.
	 */
	static Connection withoutSessionTimeouts(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.execute(
					"SELECT set_config(name, '0', false) FROM pg_settings WHERE name = 'idle_session_timeout'");
		}
		catch (SQLException ex) {
			connection.close();
			throw ex;
		}
		return connection;
	}

	private static void disableTimeoutsAtStartup(Properties properties) {
		String options = properties.getProperty(PGProperty.OPTIONS.getName());
		String ours = "-c statement_timeout=0 -c idle_in_transaction_session_timeout=0";
		properties.setProperty(PGProperty.OPTIONS.getName(), (options == null || options.isBlank()) ? ours : options + " " + ours);
	}

	/**
	 * Return a {@link DataSource} view that opens plain connections, for components that take one.
	 * @return a non-pooling data source
	 */
	public DataSource asDataSource() {
		return new ConnectorDataSource();
	}

	private Properties baseProperties() {
		Properties properties = new Properties();
		for (Map.Entry<String, String> entry : this.settings.properties().entrySet()) {
			properties.setProperty(entry.getKey(), entry.getValue());
		}
		if (this.settings.username() != null) {
			PGProperty.USER.set(properties, this.settings.username());
		}
		if (this.settings.password() != null) {
			PGProperty.PASSWORD.set(properties, this.settings.password());
		}
		properties.putIfAbsent(PGProperty.CONNECT_TIMEOUT.getName(), "10");
		return properties;
	}

	/** URL parameters win over connection properties in pgjdbc, so the URL must lose its own. */
	static String withoutSocketTimeout(String url) {
		return url.replaceAll("(?i)([?&])socketTimeout=[^&]*&?", "$1").replaceAll("[?&]$", "");
	}

	/** Opens a plain connection per call; the engine's few catalog queries need no pool. */
	private final class ConnectorDataSource implements DataSource {

		@Override
		public Connection getConnection() throws SQLException {
			return open();
		}

		@Override
		public Connection getConnection(String username, String password) throws SQLException {
			return new PgConnector(new ConnectionSettings(PgConnector.this.settings.url(), username, password,
					PgConnector.this.settings.properties())).open();
		}

		@Override
		public PrintWriter getLogWriter() {
			return null;
		}

		@Override
		public void setLogWriter(PrintWriter out) {
		}

		@Override
		public void setLoginTimeout(int seconds) {
		}

		@Override
		public int getLoginTimeout() {
			return 0;
		}

		@Override
		public Logger getParentLogger() throws SQLFeatureNotSupportedException {
			throw new SQLFeatureNotSupportedException();
		}

		@Override
		public <T> T unwrap(Class<T> type) throws SQLException {
			if (type.isInstance(this)) {
				return type.cast(this);
			}
			throw new SQLException("Not a wrapper of " + type.getName());
		}

		@Override
		public boolean isWrapperFor(Class<?> type) {
			return type.isInstance(this);
		}

	}

}
