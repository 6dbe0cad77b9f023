package dev.pgcdc.benchmarks;

import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * PostgreSQL's own C client, {@code pg_recvlogical}, draining the slot to nowhere: a second opinion on
 * the transport ceiling, without Java. It stops at the WAL position reached after the inserts, so it has
 * then received every row; time is from starting the process to its exit (connecting included). Only
 * when {@code pg_recvlogical} is installed (or named with {@code -Dbench.pg-recvlogical=PATH}).
 */
final class RecvLogicalVariant {

	private final BenchmarkDatabase database;

	RecvLogicalVariant(BenchmarkDatabase database) {
		this.database = database;
	}

	static String executable() {
		String configured = System.getProperty("bench.pg-recvlogical");
		if (configured != null) {
			return Files.isExecutable(Path.of(configured)) ? configured : null;
		}
		String path = System.getenv("PATH");
		if (path == null) {
			return null;
		}
		for (String directory : path.split(File.pathSeparator)) {
			Path candidate = Path.of(directory, "pg_recvlogical");
			if (Files.isExecutable(candidate)) {
				return candidate.toString();
			}
		}
		return null;
	}

	Result run(String slot, long rows, String endLsn, long timeoutMillis) throws Exception {
		String executable = executable();
		if (executable == null) {
			return failed(rows, "pg_recvlogical not found on PATH (or -Dbench.pg-recvlogical)");
		}
		URI uri = URI.create(this.database.url().substring("jdbc:".length()));
		List<String> command = new ArrayList<>(List.of(executable, "--start", "--no-loop", "--slot=" + slot,
				"--plugin=pgoutput", "--option=proto_version=1", "--option=publication_names=" + W1Workload.PUBLICATION,
				"--option=messages=true", "--endpos=" + endLsn, "--fsync-interval=0", "--file=-", "--no-password",
				"--host=" + ((uri.getHost() != null) ? uri.getHost() : "localhost"),
				"--dbname=" + uri.getPath().substring(1)));
		if (uri.getPort() > 0) {
			command.add("--port=" + uri.getPort());
		}
		if (this.database.user() != null) {
			command.add("--username=" + this.database.user());
		}
		ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
			.redirectError(ProcessBuilder.Redirect.PIPE);
		if (this.database.password() != null) {
			builder.environment().put("PGPASSWORD", this.database.password());
		}
		long start = System.nanoTime();
		Process process = builder.start();
		if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
			process.destroyForcibly();
			return failed(rows, "timed out");
		}
		long nanos = System.nanoTime() - start;
		String errors = new String(process.getErrorStream().readAllBytes()).trim();
		if (process.exitValue() != 0) {
			return failed(rows, "exit " + process.exitValue() + ": " + errors);
		}
		return Result.timeOnly(Options.PG_RECVLOGICAL, rows, rows, nanos,
				"C client; time from process start to exit at --endpos " + endLsn);
	}

	private static Result failed(long rows, String why) {
		return Result.timeOnly(Options.PG_RECVLOGICAL, rows, 0, 0, "failed: " + why);
	}

}
