package dev.pgcdc.benchmarks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.function.Supplier;

import dev.pgcdc.replication.ReplicationEngine;

/**
 * Watches one variant's run: counts rows through its {@link Progress}, and takes CPU snapshots once rows
 * flow and when the last row arrived, so that the report can show where the CPU went (this JVM, the
 * walsender that decodes the slot, the whole machine).
 */
final class Measurement {

	private final BenchmarkDatabase database;

	private final String slot;

	private final Progress progress;

	private final long startNanos = System.nanoTime();

	private volatile int serverPid;

	private volatile CpuSnapshot first;

	private volatile long rowsAtFirst;

	private volatile CpuSnapshot last;

	Measurement(BenchmarkDatabase database, String slot, long rows) {
		this.database = database;
		this.slot = slot;
		this.progress = new Progress(rows, () -> this.last = CpuSnapshot.take(this.serverPid));
	}

	Progress progress() {
		return this.progress;
	}

	/**
	 * Wait until every row arrived, the time is up, or {@code failure} says the reader gave up.
	 * @param timeoutMillis the longest wait, from the start of the variant
	 * @param failure returns why the reader stopped, or {@code null} while it runs
	 * @return {@code null} when every row arrived, else why not
	 * @throws InterruptedException if interrupted
	 */
	String await(long timeoutMillis, Supplier<String> failure) throws InterruptedException {
		long deadline = this.startNanos + timeoutMillis * 1_000_000;
		while (!this.progress.await((this.first == null) ? 5 : 200)) {
			if (this.first == null && this.progress.received() > 0) {
				this.serverPid = localWalsenderPid();
				this.rowsAtFirst = this.progress.received();
				this.first = CpuSnapshot.take(this.serverPid);
			}
			String why = failure.get();
			if (why == null && System.nanoTime() > deadline) {
				why = "timed out";
			}
			if (why != null) {
				return this.progress.isComplete() ? null : why;
			}
		}
		return null;
	}

	/**
	 * Wait as {@link #await(long, Supplier)} does, giving up when the engine stops.
	 * @param timeoutMillis the longest wait, from the start of the variant
	 * @param engine the engine reading the rows
	 * @return {@code null} when every row arrived, else why not
	 * @throws InterruptedException if interrupted
	 */
	String await(long timeoutMillis, ReplicationEngine engine) throws InterruptedException {
		return await(timeoutMillis, () -> engine.isRunning() ? null
				: "failed: engine stopped" + ((engine.lastError() != null) ? ": " + engine.lastError() : ""));
	}

	Result result(String variant, String note) {
		CpuSnapshot from = this.first;
		CpuSnapshot to = this.last;
		double jvmMicros = Double.NaN;
		double readerMicros = Double.NaN;
		double dispatchMicros = Double.NaN;
		double serverMicros = Double.NaN;
		double readCalls = Double.NaN;
		double jvmPercent = Double.NaN;
		double serverPercent = Double.NaN;
		double machinePercent = Double.NaN;
		double sinkMicros = Double.NaN;
		double childPercent = Double.NaN;
		long rows = this.progress.expected() - this.rowsAtFirst;
		if (from != null && to != null && rows > 0 && to.nanos() > from.nanos()) {
			jvmMicros = from.jvmMicrosPerRow(to, rows);
			readerMicros = from.readerMicrosPerRow(to, rows);
			dispatchMicros = variant.startsWith(Options.RAW) ? Double.NaN : from.dispatchMicrosPerRow(to, rows);
			jvmPercent = from.jvmPercent(to);
			double readsPerRow = from.readCallsPerRow(to, rows);
			readCalls = (readsPerRow >= 0) ? readsPerRow : Double.NaN;
			double serverPerRow = from.serverMicrosPerRow(to, rows);
			serverMicros = (serverPerRow >= 0) ? serverPerRow : Double.NaN;
			double server = from.serverPercent(to);
			serverPercent = (server >= 0) ? server : Double.NaN;
			double machine = from.machinePercent(to);
			machinePercent = (machine >= 0) ? machine : Double.NaN;
			double sink = from.sinkMicrosPerRow(to, rows);
			sinkMicros = (sink > 0) ? sink : Double.NaN;
			double children = from.childPercent(to);
			childPercent = (children >= 0) ? children : Double.NaN;
		}
		long stream = this.progress.isComplete() ? this.progress.lastNanos() - this.progress.firstNanos() : 0;
		long firstRow = (this.progress.received() > 0) ? this.progress.firstNanos() - this.startNanos : 0;
		return new Result(variant, this.progress.expected(), this.progress.received(), stream, firstRow, jvmMicros,
				readerMicros, dispatchMicros, serverMicros, readCalls, jvmPercent, serverPercent, machinePercent, note,
				sinkMicros, childPercent);
	}

	/**
	 * Return the walsender's process id when the server runs on this machine (embedded, or an external one
	 * reached on the loopback interface whose process this JVM can see), else -1.
	 */
	private int localWalsenderPid() {
		int pid = walsenderPid();
		if (pid <= 0 || this.database.isEmbedded()) {
			return pid;
		}
		String host = java.net.URI.create(this.database.url().substring("jdbc:".length())).getHost();
		boolean loopback = host == null || host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
		try {
			String command = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/comm")).trim();
			return (loopback && command.startsWith("postgres")) ? pid : -1;
		}
		catch (java.io.IOException | RuntimeException ex) {
			return -1;
		}
	}

	private int walsenderPid() {
		try (Connection connection = this.database.connect();
				PreparedStatement statement = connection
					.prepareStatement("SELECT active_pid FROM pg_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, this.slot);
			try (ResultSet rs = statement.executeQuery()) {
				return rs.next() ? rs.getInt(1) : -1;
			}
		}
		catch (SQLException ex) {
			return -1;
		}
	}

}
