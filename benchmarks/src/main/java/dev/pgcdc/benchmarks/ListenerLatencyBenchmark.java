package dev.pgcdc.benchmarks;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToDoubleFunction;

import dev.pgcdc.benchmarks.latencyapp.ListenerLatencyApplication;
import dev.pgcdc.benchmarks.latencyapp.ListenerLatencyApplication.Recorder;
import dev.pgcdc.replication.ReplicationEngine;

import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Latency to the method (issue 17): as {@link LatencyBenchmark}, one writer committing single-row
 * transactions at a fixed rate, but through a Spring Boot application to a {@code @CdcListener} method, and
 * measured on entering the method: commit (the transaction's commit timestamp, sent by pgoutput) to
 * {@code @CdcListener} method entry, after the listener container's hand-over to its thread. Rates, default
 * {@code 2000,10000} per second; the achieved rate is printed beside each, since one writer on a shared
 * machine may not reach the asked one. Each rate runs first with the bare pgjdbc stream on the same schedule
 * ({@link RawLatencyReader}): the server's and the machine's own latency, which pgcdc's adds to.
 *
 * <p>{@code java -jar benchmarks.jar latency [--seconds=20] [--rates=2000,10000] [--repeat=3]}: with a repeat,
 * the rates run round after round and a summary gives each figure's median (min-max).
 */
final class ListenerLatencyBenchmark {

	private static final String NAME = "pgcdc_bench_listener_latency";

	private static final int WARM_UP_SECONDS = 2;

	private ListenerLatencyBenchmark() {
	}

	static void main(String[] args) throws Exception {
		Locale.setDefault(Locale.ROOT);
		int seconds = (int) LatencyBenchmark.argument(args, "seconds", 20);
		int repeat = (int) Math.max(1, Math.min(9, LatencyBenchmark.argument(args, "repeat", 1)));
		String rates = Arrays.stream(args)
			.filter((arg) -> arg.startsWith("--rates="))
			.map((arg) -> arg.substring("--rates=".length()))
			.findFirst()
			.orElse("2000,10000");
		boolean complete = true;
		Map<Integer, List<Sample>> samples = new LinkedHashMap<>();
		try (BenchmarkDatabase database = BenchmarkDatabase.startEmbedded()) {
			for (int round = 1; round <= repeat; round++) {
				for (String rate : rates.split(",")) {
					Sample sample = run(database, seconds, Integer.parseInt(rate.trim()));
					samples.computeIfAbsent(sample.rate(), (key) -> new ArrayList<>()).add(sample);
					complete &= sample.complete();
				}
			}
		}
		if (repeat > 1) {
			summarize(samples);
		}
		System.exit(complete ? 0 : 1);
	}

	/** Median (min-max) per rate over the rounds, the target judged on the median p99. */
	private static void summarize(Map<Integer, List<Sample>> samples) {
		System.out.println();
		System.out.println("Summary, median (min-max) over the rounds, milliseconds from commit:");
		for (Map.Entry<Integer, List<Sample>> entry : samples.entrySet()) {
			List<Sample> runs = entry.getValue();
			double target = target(entry.getKey());
			double p99 = median(runs, Sample::p99);
			System.out.printf("%,d tx/s (achieved %s): raw stream p50 %s, p99 %s, max %s; @CdcListener p50 %s, p95 %s, "
					+ "p99 %s, max %s; target p99 <= %.0f ms on the median: %s%n", entry.getKey(),
					spread(runs, Sample::achieved, "%,.0f"), spread(runs, Sample::rawP50, "%.2f"),
					spread(runs, Sample::rawP99, "%.2f"), spread(runs, Sample::rawMax, "%.2f"),
					spread(runs, Sample::p50, "%.2f"), spread(runs, Sample::p95, "%.2f"), spread(runs, Sample::p99, "%.2f"),
					spread(runs, Sample::max, "%.2f"), target, (p99 <= target) ? "met" : "NOT met");
		}
	}

	private static double target(int rate) {
		return (rate <= 2000) ? LatencyBenchmark.TARGET_P99_MILLIS : 20.0;
	}

	private static double median(List<Sample> runs, ToDoubleFunction<Sample> figure) {
		double[] values = runs.stream().mapToDouble(figure).sorted().toArray();
		return values[values.length / 2];
	}

	private static String spread(List<Sample> runs, ToDoubleFunction<Sample> figure, String format) {
		double[] values = runs.stream().mapToDouble(figure).sorted().toArray();
		return String.format(format, values[values.length / 2]) + " (" + String.format(format, values[0]) + "-"
				+ String.format(format, values[values.length - 1]) + ")";
	}

	/** One rate's figures, in milliseconds. */
	record Sample(int rate, double achieved, double rawP50, double rawP99, double rawMax, double p50, double p95,
			double p99, double max, boolean complete) {
	}

	/**
	 * Measure one rate, first with the bare pgjdbc stream (the machine's own latency, the reference), then
	 * through pgcdc, with the same writer and schedule; print both.
	 */
	static Sample run(BenchmarkDatabase database, int seconds, int rate) throws Exception {
		int total = (WARM_UP_SECONDS + seconds) * rate;
		createTableAndSlot(database);
		RawLatencyReader raw = new RawLatencyReader(database, NAME, NAME, total);
		raw.start();
		double rawAchieved;
		boolean rawComplete;
		try {
			rawAchieved = LatencyBenchmark.write(database, total, rate);
			rawComplete = raw.await(TimeUnit.SECONDS.toMillis(60));
		}
		finally {
			dropEverything(database);
		}
		long[] reference = Arrays.copyOfRange(raw.latencies(), WARM_UP_SECONDS * rate, total);
		Arrays.sort(reference);
		System.out.printf("Latency at %,d tx/s (achieved %,.0f), commit -> raw pgjdbc stream (the reference): p50 %.2f ms, "
				+ "p95 %.2f ms, p99 %.2f ms, max %.2f ms; %,d of %,d commits received%n", rate, rawAchieved,
				LatencyBenchmark.percentile(reference, 0.50) / 1e6, LatencyBenchmark.percentile(reference, 0.95) / 1e6,
				LatencyBenchmark.percentile(reference, 0.99) / 1e6, reference[reference.length - 1] / 1e6, raw.received(),
				total);
		Recorder recorder = new Recorder(total);
		createTableAndSlot(database);
		Map<String, Object> properties = FullPathVariant.applicationProperties(database, NAME);
		properties.put("cdc.slot.create", "false");
		properties.put("cdc.publication.name", NAME);
		properties.put("cdc.publication.tables", "latency");
		properties.put("cdc.application-events.enabled", "false");
		ApplicationContextInitializer<ConfigurableApplicationContext> registerRecorder = (ctx) -> ctx.getBeanFactory()
			.registerSingleton("latencyRecorder", recorder);
		double achieved;
		try (ConfigurableApplicationContext context = FullPathVariant.start(ListenerLatencyApplication.class, properties,
				registerRecorder)) {
			ReplicationEngine engine = context.getBean(ReplicationEngine.class);
			LatencyBenchmark.awaitStreaming(engine);
			achieved = LatencyBenchmark.write(database, total, rate);
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
			while (recorder.received() < total && System.nanoTime() < deadline && engine.isRunning()) {
				LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
			}
		}
		finally {
			dropEverything(database);
		}
		long[] measured = Arrays.copyOfRange(recorder.latencies(), WARM_UP_SECONDS * rate, total);
		Arrays.sort(measured);
		double p99 = LatencyBenchmark.percentile(measured, 0.99) / 1e6;
		double target = target(rate);
		System.out.printf("Latency at %,d tx/s (achieved %,.0f) for %d s after %d s warm-up, commit -> @CdcListener "
				+ "method entry: p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms; %,d of %,d changes received%n",
				rate, achieved, seconds, WARM_UP_SECONDS, LatencyBenchmark.percentile(measured, 0.50) / 1e6,
				LatencyBenchmark.percentile(measured, 0.95) / 1e6, p99, measured[measured.length - 1] / 1e6,
				recorder.received(), total);
		System.out.printf("target p99 <= %.0f ms at %,d tx/s: %s (%s)%n", target, rate, (p99 <= target) ? "met" : "NOT met",
				LatencyBenchmark.load());
		return new Sample(rate, achieved, LatencyBenchmark.percentile(reference, 0.50) / 1e6,
				LatencyBenchmark.percentile(reference, 0.99) / 1e6, reference[reference.length - 1] / 1e6,
				LatencyBenchmark.percentile(measured, 0.50) / 1e6, LatencyBenchmark.percentile(measured, 0.95) / 1e6, p99,
				measured[measured.length - 1] / 1e6, rawComplete && recorder.received() == total);
	}

	private static void createTableAndSlot(BenchmarkDatabase database) throws SQLException {
		try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
			statement.execute("DROP TABLE IF EXISTS latency");
			statement.execute("CREATE TABLE latency (id int PRIMARY KEY, payload text)");
			statement.execute("CREATE PUBLICATION " + NAME + " FOR TABLE latency");
			statement.execute("SELECT pg_create_logical_replication_slot('" + NAME + "', 'pgoutput')");
		}
	}

	private static void dropEverything(BenchmarkDatabase database) throws SQLException {
		try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
			while (true) {
				try {
					statement.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
							+ NAME + "'");
					break;
				}
				catch (SQLException ex) {
					// 55006: still active while its walsender winds down
					if (!"55006".equals(ex.getSQLState()) || System.nanoTime() > deadline) {
						throw ex;
					}
					LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
				}
			}
			statement.execute("DROP PUBLICATION IF EXISTS " + NAME);
			statement.execute("DROP TABLE IF EXISTS latency");
		}
	}

}
