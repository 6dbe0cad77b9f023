package dev.pgcdc.replication;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A PostgreSQL 17 primary and a standby with slot synchronization, from the embedded binaries, on two fixed
 * ports, so that one multi-host URL ({@code targetServerType=primary}) reaches whichever is primary.
 *
 * <p>The standby is a copy of the stopped primary's data directory with {@code standby.signal}, streaming
 * over the physical slot {@code sb1} ({@code primary_slot_name}) with {@code hot_standby_feedback} and
 * {@code sync_replication_slots}; the primary holds logical walsenders back until {@code sb1} has the WAL
 * ({@code synchronized_standby_slots}). {@link #failover()} kills the primary the way
 * {@code pg_ctl stop -m immediate} does and promotes the standby; {@link #rebuildStandby()} makes a new
 * standby of the new primary on the dead one's port.
 */
final class FailoverPair implements AutoCloseable {

	private final Path dir;

	private final int[] ports = new int[2];

	private final Path[] data = new Path[2];

	private final EmbeddedPostgres[] servers = new EmbeddedPostgres[2];

	private int primary;

	private int generation;

	FailoverPair(Path dir) throws Exception {
		this.dir = dir;
		this.data[0] = dir.resolve("pg-" + this.generation++);
		this.servers[0] = builder(this.data[0]).start();
		this.ports[0] = this.servers[0].getPort();
		try (ServerSocket socket = new ServerSocket(0)) {
			this.ports[1] = socket.getLocalPort();
		}
		try {
			rebuildStandby();
		}
		catch (Exception ex) {
			close();
			throw ex;
		}
	}

	/** The database of this name on the server that is primary now. */
	TestDatabase primaryDatabase(String name) {
		return new TestDatabase(this.ports[this.primary], name);
	}

	TestDatabase standbyDatabase(String name) {
		return new TestDatabase(this.ports[1 - this.primary], name);
	}

	/** A URL that reaches the primary, whichever server it is. */
	String url(String database) {
		return "jdbc:postgresql://localhost:" + this.ports[0] + ",localhost:" + this.ports[1] + "/" + database
				+ "?targetServerType=primary";
	}

	TestDatabase createDatabase(String prefix) {
		return EmbeddedPostgresSupport.createDatabase(this.servers[this.primary], prefix);
	}

	/**
	 * Stop the primary (fast), copy its data directory to a new standby on the other port, and start both.
	 */
	void rebuildStandby() throws Exception {
		int standby = 1 - this.primary;
		execute(this.servers[this.primary], "SELECT pg_create_physical_replication_slot('sb1') "
				+ "WHERE NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = 'sb1')");
		closeQuietly(this.servers[this.primary]);
		if (this.servers[standby] != null) {
			closeQuietly(this.servers[standby]);
		}
		Path copy = this.dir.resolve("pg-" + this.generation++);
		copy(this.data[this.primary], copy);
		Files.setPosixFilePermissions(copy, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
		Files.deleteIfExists(copy.resolve("postmaster.pid"));
		Files.writeString(copy.resolve("standby.signal"), "");
		// dbname is needed by the slot synchronization worker
		Files.writeString(copy.resolve("postgresql.auto.conf"), "primary_conninfo = 'host=127.0.0.1 port="
				+ this.ports[this.primary] + " user=postgres dbname=postgres'\n", StandardOpenOption.APPEND);
		if (this.data[standby] != null) {
			delete(this.data[standby]);
		}
		this.data[standby] = copy;
		this.servers[this.primary] = builder(this.data[this.primary]).setPort(this.ports[this.primary]).start();
		this.servers[standby] = builder(copy).setPort(this.ports[standby]).start();
	}

	/**
	 * Kill the primary as {@code pg_ctl stop -m immediate} does (SIGQUIT to the postmaster; pg_ctl refuses to
	 * run as root) and promote the standby.
	 */
	void failover() throws Exception {
		long pid = Long.parseLong(Files.readAllLines(this.data[this.primary].resolve("postmaster.pid")).get(0).trim());
		Process kill = new ProcessBuilder("kill", "-QUIT", Long.toString(pid)).inheritIO().start();
		if (kill.waitFor() != 0) {
			throw new IllegalStateException("kill -QUIT " + pid + " failed");
		}
		ProcessHandle postmaster = ProcessHandle.of(pid).orElse(null);
		if (postmaster != null) {
			postmaster.onExit().get(60, TimeUnit.SECONDS);
		}
		closeQuietly(this.servers[this.primary]);
		this.primary = 1 - this.primary;
		execute(this.servers[this.primary], "SELECT pg_promote(true, 60)");
	}

	/**
	 * Return the slot as the standby has it: its confirmed position once synchronized and sync-ready (a slot
	 * not yet sync-ready is temporary on the standby and dropped at promotion), else {@code null}.
	 */
	Long synchronizedPosition(String database, String slot) throws Exception {
		try (Connection connection = standbyDatabase(database).connect(); PreparedStatement statement = connection
			.prepareStatement("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ? "
					+ "AND synced AND NOT temporary")) {
			statement.setString(1, slot);
			try (ResultSet rs = statement.executeQuery()) {
				return (rs.next() && rs.getString(1) != null) ? dev.pgcdc.event.Lsn.parse(rs.getString(1)).value() : null;
			}
		}
	}

	/** A checkpoint on the primary: helps a new slot's catalog horizon reach the standby. */
	void checkpoint() {
		execute(this.servers[this.primary], "CHECKPOINT");
	}

	private EmbeddedPostgres.Builder builder(Path dataDirectory) {
		return EmbeddedPostgresSupport.builder()
			.setServerConfig("synchronous_commit", "on")
			.setServerConfig("hot_standby_feedback", "on")
			.setServerConfig("sync_replication_slots", "on")
			.setServerConfig("primary_slot_name", "sb1")
			.setServerConfig("synchronized_standby_slots", "sb1")
			.setServerConfig("wal_receiver_status_interval", "1s")
			.setDataDirectory(dataDirectory)
			.setCleanDataDirectory(false)
			.setOutputRedirector(ProcessBuilder.Redirect.appendTo(log(dataDirectory)))
			.setErrorRedirector(ProcessBuilder.Redirect.appendTo(log(dataDirectory)));
	}

	/** The server logs, kept in target/ for the campaign's report. */
	private static java.io.File log(Path dataDirectory) {
		Path logs = Path.of("target", "failover-logs");
		try {
			Files.createDirectories(logs);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return logs.resolve(dataDirectory.getFileName() + ".log").toFile();
	}

	private static void execute(EmbeddedPostgres server, String sql) {
		try (Connection connection = server.getPostgresDatabase().getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (Exception ex) {
			throw new IllegalStateException("SQL failed: " + sql, ex);
		}
	}

	private static void copy(Path from, Path to) throws IOException {
		try (Stream<Path> files = Files.walk(from)) {
			for (Path file : (Iterable<Path>) files::iterator) {
				Path target = to.resolve(from.relativize(file).toString());
				if (Files.isDirectory(file)) {
					Files.createDirectories(target);
				}
				else if (!file.getFileName().toString().equals("postmaster.pid")) {
					Files.copy(file, target);
				}
			}
		}
	}

	private static void delete(Path path) {
		try (Stream<Path> files = Files.walk(path)) {
			files.sorted(Comparator.reverseOrder()).forEach((file) -> file.toFile().delete());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static void closeQuietly(EmbeddedPostgres server) {
		try {
			server.close();
		}
		catch (IOException | RuntimeException ex) {
			// already stopped by the signal; close only releases zonky's lock on the data directory
		}
	}

	@Override
	public void close() {
		for (EmbeddedPostgres server : this.servers) {
			if (server != null) {
				closeQuietly(server);
			}
		}
	}

}
