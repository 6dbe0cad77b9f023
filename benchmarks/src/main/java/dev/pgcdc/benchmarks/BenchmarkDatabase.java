package dev.pgcdc.benchmarks;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.postgresql.PGProperty;

/**
 * The database the benchmark writes W1 to and streams from: an embedded PostgreSQL started for the run
 * (configured like a throughput-minded server), or an external one given by URL.
 */
final class BenchmarkDatabase implements AutoCloseable {

	static final String DATABASE = "pgcdc_bench";

	private final EmbeddedPostgres embedded;

	private final String url;

	private final String user;

	private final String password;

	private BenchmarkDatabase(EmbeddedPostgres embedded, String url, String user, String password) {
		this.embedded = embedded;
		this.url = url;
		this.user = user;
		this.password = password;
	}

	/**
	 * Start an embedded server with logical replication and a fresh database.
	 * @return the database
	 * @throws IOException if the server does not start
	 * @throws SQLException if the database cannot be created
	 */
	static BenchmarkDatabase startEmbedded() throws IOException, SQLException {
		EmbeddedPostgres server = EmbeddedPostgres.builder()
			.setPGStartupWait(Duration.ofSeconds(60))
			.setServerConfig("wal_level", "logical")
			.setServerConfig("max_replication_slots", "64")
			.setServerConfig("max_wal_senders", "10")
			.setServerConfig("fsync", "off")
			.setServerConfig("synchronous_commit", "off")
			.setServerConfig("full_page_writes", "off")
			.setServerConfig("shared_buffers", "256MB")
			.setServerConfig("max_wal_size", "4GB")
			.start();
		try (Connection connection = server.getPostgresDatabase().getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("CREATE DATABASE " + DATABASE);
		}
		catch (SQLException ex) {
			server.close();
			throw ex;
		}
		return new BenchmarkDatabase(server, server.getJdbcUrl("postgres", DATABASE), "postgres", "postgres");
	}

	/**
	 * Use an external server.
	 * @param url its JDBC URL
	 * @param user the role
	 * @param password the password or {@code null}
	 * @return the database
	 */
	static BenchmarkDatabase external(String url, String user, String password) {
		return new BenchmarkDatabase(null, url, user, password);
	}

	/**
	 * Return the server the arguments name with {@code --url=} (and {@code --user=}), else start an embedded one.
	 * @param args the program's arguments
	 * @return the database
	 */
	static BenchmarkDatabase fromArguments(String[] args) throws IOException, SQLException {
		String url = null;
		String user = null;
		for (String arg : args) {
			url = arg.startsWith("--url=") ? arg.substring(6) : url;
			user = arg.startsWith("--user=") ? arg.substring(7) : user;
		}
		return (url != null) ? external(url, user, null) : startEmbedded();
	}

	String url() {
		return this.url;
	}

	String user() {
		return this.user;
	}

	String password() {
		return this.password;
	}

	boolean isEmbedded() {
		return this.embedded != null;
	}

	/**
	 * Open a plain auto-commit connection.
	 * @return a new connection, the caller closes it
	 * @throws SQLException if it cannot connect
	 */
	Connection connect() throws SQLException {
		return DriverManager.getConnection(this.url, properties());
	}

	/**
	 * Open a logical replication connection, set up the way pgcdc sets up its own.
	 * @return a new connection, the caller closes it
	 * @throws SQLException if it cannot connect
	 */
	Connection connectForReplication() throws SQLException {
		Properties properties = properties();
		PGProperty.REPLICATION.set(properties, "database");
		PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "10");
		PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
		PGProperty.SOCKET_TIMEOUT.set(properties, 0);
		return DriverManager.getConnection(this.url, properties);
	}

	private Properties properties() {
		Properties properties = new Properties();
		if (this.user != null) {
			PGProperty.USER.set(properties, this.user);
		}
		if (this.password != null) {
			PGProperty.PASSWORD.set(properties, this.password);
		}
		PGProperty.APPLICATION_NAME.set(properties, "pgcdc-benchmark");
		return properties;
	}

	/**
	 * Run one query and return the first column of its first row.
	 * @param sql the query
	 * @return the value, or {@code null} without a row
	 * @throws SQLException on a database error
	 */
	String queryString(String sql) throws SQLException {
		try (Connection connection = connect(); Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery(sql)) {
			return rs.next() ? rs.getString(1) : null;
		}
	}

	@Override
	public void close() throws IOException {
		if (this.embedded != null) {
			this.embedded.close();
		}
	}

}
