package dev.pgcdc.replication;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A PostgreSQL server of its own for the fault-injection campaign, which shuts it down the way an operator
 * or a crash does (the signals of {@code pg_ctl stop -m fast|immediate}: SIGINT, SIGQUIT) and starts it again
 * on the same data directory and port.
 *
 * <p>Commits are synchronous here (the shared test server commits asynchronously for speed): an immediate
 * shutdown must not take back a commit the workload saw succeed, or the comparison with its ledger would
 * blame the consumer for the server's choice.
 */
final class FaultServer implements AutoCloseable {

	private final Path data;

	private EmbeddedPostgres server;

	private final int port;

	FaultServer(Path data) throws IOException {
		this.data = data;
		this.server = builder().start();
		this.port = this.server.getPort();
	}

	TestDatabase createDatabase(String prefix) {
		return EmbeddedPostgresSupport.createDatabase(this.server, prefix);
	}

	/**
	 * Shut the server down in the given mode and start it again once {@code downFor} has passed.
	 * @param mode {@code fast} (clients disconnected, checkpoint) or {@code immediate} (no checkpoint: crash
	 * recovery on the next start)
	 * @param downMillis how long the server stays down
	 */
	void restart(String mode, long downMillis) throws Exception {
		// what pg_ctl stop -m fast|immediate sends to the postmaster; pg_ctl itself refuses to run as root
		long pid = Long.parseLong(Files.readAllLines(this.data.resolve("postmaster.pid")).get(0).trim());
		String signal = switch (mode) {
			case "fast" -> "INT";
			case "immediate" -> "QUIT";
			default -> throw new IllegalArgumentException(mode);
		};
		Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
		if (kill.waitFor() != 0) {
			throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
		}
		ProcessHandle postmaster = ProcessHandle.of(pid).orElse(null);
		if (postmaster != null) {
			postmaster.onExit().get(60, TimeUnit.SECONDS);
		}
		closeQuietly();
		// a deliberate outage: the consumer and the workload see the server down for this long
		TimeUnit.MILLISECONDS.sleep(downMillis);
		this.server = builder().setPort(this.port).start();
	}

	private EmbeddedPostgres.Builder builder() {
		return EmbeddedPostgresSupport.builder()
			.setServerConfig("synchronous_commit", "on")
			.setDataDirectory(this.data)
			.setCleanDataDirectory(false);
	}

	private void closeQuietly() {
		try {
			this.server.close();
		}
		catch (IOException | RuntimeException ex) {
			// already stopped by the signal; close only releases zonky's lock on the data directory
		}
	}

	@Override
	public void close() {
		closeQuietly();
	}

}
