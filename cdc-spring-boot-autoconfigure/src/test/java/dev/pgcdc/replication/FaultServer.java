package dev.pgcdc.replication;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A PostgreSQL server of its own for the fault-injection campaign, which shuts it down the way an operator
 * or a crash does ({@code pg_ctl stop -m fast|immediate}) and starts it again on the same data directory and
 * port.
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
		Process stop = new ProcessBuilder(pgCtl(), "-D", this.data.toString(), "-m", mode, "-w", "stop")
			.redirectErrorStream(true)
			.start();
		String output = new String(stop.getInputStream().readAllBytes());
		if (!stop.waitFor(60, TimeUnit.SECONDS) || stop.exitValue() != 0) {
			throw new IllegalStateException("pg_ctl stop -m " + mode + " failed: " + output);
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

	/** The pg_ctl that came with the binaries this server runs (zonky keeps their directory private). */
	private String pgCtl() throws ReflectiveOperationException {
		Field field = EmbeddedPostgres.class.getDeclaredField("pgDir");
		field.setAccessible(true);
		return new File((File) field.get(this.server), "bin/pg_ctl").getPath();
	}

	private void closeQuietly() {
		try {
			this.server.close();
		}
		catch (IOException | RuntimeException ex) {
			// already stopped by pg_ctl; close only releases zonky's lock on the data directory
		}
	}

	@Override
	public void close() {
		closeQuietly();
	}

}
