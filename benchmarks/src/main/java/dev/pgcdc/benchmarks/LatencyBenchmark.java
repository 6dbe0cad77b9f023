package dev.pgcdc.benchmarks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.ValueConverter;
import dev.pgcdc.replication.ChangeConsumer;
import dev.pgcdc.replication.ConnectionSettings;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.ReplicationSettings;

/**
 * Latency at a steady rate (design.md section 8): one writer commits single-row transactions at a fixed
 * rate (default 2,000 per second) and a consumer of the engine notes, for each change, the time from the
 * transaction's commit on the server (its commit timestamp, sent by pgoutput) to its arrival. The first two
 * seconds are warm-up. Server and client share the machine's clock.
 *
 * <p>{@code java -cp benchmarks.jar ... LatencyBenchmark [--seconds=30] [--rate=2000]}, or part of
 * {@code --smoke}.
 */
public final class LatencyBenchmark {

	static final double TARGET_P99_MILLIS = 5.0;

	private static final int WARM_UP_SECONDS = 2;

	private LatencyBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		Locale.setDefault(Locale.ROOT);
		int seconds = (int) argument(args, "seconds", 30);
		int rate = (int) argument(args, "rate", 2000);
		try (BenchmarkDatabase database = BenchmarkDatabase.startEmbedded()) {
			System.exit(run(database, seconds, rate) ? 0 : 1);
		}
	}

	static long argument(String[] args, String name, long defaultValue) {
		return Arrays.stream(args)
			.filter((arg) -> arg.startsWith("--" + name + "="))
			.mapToLong((arg) -> Long.parseLong(arg.substring(name.length() + 3).replace("_", "")))
			.findFirst()
			.orElse(defaultValue);
	}

	/**
	 * Measure and print; returns whether every change arrived (the latency target is reported, not enforced:
	 * a shared machine's figures are preliminary).
	 */
	static boolean run(BenchmarkDatabase database, int seconds, int rate) throws Exception {
		int total = (WARM_UP_SECONDS + seconds) * rate;
		int warmUp = WARM_UP_SECONDS * rate;
		long[] latencies = new long[total];
		AtomicInteger received = new AtomicInteger();
		try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
			statement.execute("DROP TABLE IF EXISTS latency");
			statement.execute("CREATE TABLE latency (id int PRIMARY KEY, payload text)");
		}
		ChangeConsumer consumer = new ChangeConsumer() {
			@Override
			public void onChange(ChangeEvent event) {
				Instant now = Instant.now();
				int id = (Integer) event.after().get("id");
				latencies[id] = Duration.between(event.commitTime(), now).toNanos();
				received.incrementAndGet();
			}
		};
		ReplicationSettings settings = ReplicationSettings
			.builder(new ConnectionSettings(database.url(), database.user(), database.password()), "pgcdc_bench_latency",
					"pgcdc_bench_latency")
			.tables(List.of("latency"))
			.temporarySlot(true)
			.build();
		ReplicationEngine engine = startEngine(settings, consumer);
		double achieved;
		try {
			// the temporary slot is created when the reader connects: writing earlier would not be captured
			awaitStreaming(engine);
			achieved = write(database, total, rate);
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
			while (received.get() < total && System.nanoTime() < deadline && engine.isRunning()) {
				LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
			}
		}
		finally {
			engine.stop();
		}
		long[] measured = Arrays.copyOfRange(latencies, warmUp, total);
		Arrays.sort(measured);
		boolean met = percentile(measured, 0.99) / 1e6 <= TARGET_P99_MILLIS;
		System.out.printf("Latency at %,d tx/s (achieved %,.0f) for %d s after %d s warm-up, commit -> consumer: "
				+ "p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms; %,d of %,d changes received%n", rate, achieved,
				seconds, WARM_UP_SECONDS, percentile(measured, 0.50) / 1e6, percentile(measured, 0.95) / 1e6,
				percentile(measured, 0.99) / 1e6, measured[measured.length - 1] / 1e6, received.get(), total);
		System.out.printf("target p99 <= %.0f ms: %s (%s)%n", TARGET_P99_MILLIS, met ? "met" : "NOT met", load());
		return received.get() == total;
	}

	/** Start the bare engine (no Spring) with one consumer; a consumer failure stops it. */
	static ReplicationEngine startEngine(ReplicationSettings settings, ChangeConsumer consumer) {
		ReplicationEngine engine = new ReplicationEngine(settings, List.of(consumer), (c, item, failure) -> {
			throw failure;
		}, ValueConverter.simple());
		engine.start();
		return engine;
	}

	/** Wait up to a minute for the engine to stream (or to stop trying). */
	static void awaitStreaming(ReplicationEngine engine) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		while (engine.state() != EngineState.STREAMING && System.nanoTime() < deadline && engine.isRunning()) {
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
		}
	}

	/** Commit single-row transactions on a fixed schedule; returns the rate achieved. */
	static double write(BenchmarkDatabase database, int total, int rate) throws Exception {
		long period = TimeUnit.SECONDS.toNanos(1) / rate;
		try (Connection connection = database.connect();
				PreparedStatement insert = connection.prepareStatement("INSERT INTO latency VALUES (?, 'x')")) {
			try (Statement statement = connection.createStatement()) {
				// PostgreSQL's default, which the embedded server turns off: an asynchronous commit reaches the WAL
				// sender only when the WAL writer flushes it (wal_writer_delay, 200 ms), which is not pgcdc's latency
				statement.execute("SET synchronous_commit = on");
			}
			long start = System.nanoTime();
			for (int id = 0; id < total; id++) {
				// a fixed schedule: a late commit does not move the ones after it
				long due = start + id * period;
				long wait = due - System.nanoTime();
				if (wait > 0) {
					LockSupport.parkNanos(wait);
				}
				insert.setInt(1, id);
				insert.executeUpdate();
			}
			return total / ((System.nanoTime() - start) / 1e9);
		}
	}

	/**
	 * The machine's load average, for the reader of a figure: above the number of cores, other processes
	 * delayed the benchmark's threads.
	 */
	static String load() {
		try {
			String[] fields = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
			return "load average " + fields[0] + " on " + Runtime.getRuntime().availableProcessors() + " cores";
		}
		catch (java.io.IOException | RuntimeException ex) {
			return "load average unknown";
		}
	}

	/**
	 * Return the nearest-rank percentile of sorted values, in their unit.
	 * @param sorted the values, ascending
	 * @param quantile the quantile, 0.99 for p99
	 * @return the value, or 0 if there are none
	 */
	static long percentile(long[] sorted, double quantile) {
		if (sorted.length == 0) {
			return 0;
		}
		int index = (int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1);
		return sorted[Math.max(0, index)];
	}

}
