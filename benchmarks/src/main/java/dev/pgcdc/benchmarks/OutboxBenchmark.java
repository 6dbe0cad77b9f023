package dev.pgcdc.benchmarks;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.pgcdc.benchmarks.outboxapp.OutboxApplication;
import dev.pgcdc.benchmarks.outboxapp.OutboxApplication.LatencyRecorder;
import dev.pgcdc.outbox.Outbox;
import dev.pgcdc.replication.ReplicationEngine;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The outbox benchmark: publish-to-listener throughput and latency of {@code Outbox.publish} and
 * {@code @OutboxListener}, in table and in message mode, on an embedded PostgreSQL.
 *
 * <p>Per mode: (1) throughput: {@code n} business transactions, each inserting a row and publishing one
 * event, as fast as one thread can commit them, and the rate at which their events reach the listener;
 * (2) latency: the same transactions at a steady rate, and the distribution of the delay from
 * {@code publish} (before the commit) to the listener. The baseline is the same transactions without the
 * publish, so the cost of the outbox shows as a ratio.
 *
 * <p>Run with {@code java -jar benchmarks/target/benchmarks.jar outbox [--events N] [--rate R]}.
 */
public final class OutboxBenchmark {

	private OutboxBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		Locale.setDefault(Locale.ROOT);
		int events = 20_000;
		int rate = 1_000;
		int seconds = 10;
		for (int i = 0; i < args.length; i++) {
			switch (args[i]) {
				case "--events" -> events = Integer.parseInt(args[++i]);
				case "--rate" -> rate = Integer.parseInt(args[++i]);
				case "--seconds" -> seconds = Integer.parseInt(args[++i]);
				case "--smoke" -> {
					events = 1_000;
					rate = 500;
					seconds = 2;
				}
				default -> throw new IllegalArgumentException("Unknown option " + args[i]
						+ "; use --events N, --rate TX_PER_SECOND, --seconds S or --smoke");
			}
		}
		System.out.printf("pgcdc outbox benchmark: %,d events per throughput run, %,d tx/s for %d s per latency run%n",
				events, rate, seconds);
		boolean complete = true;
		try (BenchmarkDatabase database = BenchmarkDatabase.startEmbedded()) {
			try (var connection = database.connect(); var statement = connection.createStatement()) {
				statement.execute("CREATE TABLE IF NOT EXISTS business (id bigint PRIMARY KEY, note text NOT NULL)");
			}
			StringBuilder report = new StringBuilder();
			report.append(String.format("%n== pgcdc outbox benchmark ==%npostgresql: %s (embedded)%n%n",
					database.queryString("SHOW server_version")));
			report.append(String.format("%-8s | %12s | %7s | %14s | %9s | %9s | %9s | %9s%n", "mode", "publish tx/s",
					"ratio", "delivered ev/s", "p50 ms", "p95 ms", "p99 ms", "max ms"));
			report.append("-".repeat(100)).append('\n');
			for (String mode : List.of("table", "message")) {
				complete &= run(database, mode, events, rate, seconds, report);
			}
			report.append(String.format("%nratio: publish tx/s / the same transactions without Outbox.publish "
					+ "(one business row each, one thread)%ndelivered ev/s: events / time from the first publish to "
					+ "the last arrival; latency: publish (before commit) to the @OutboxListener, at %,d tx/s%n", rate));
			System.out.print(report);
		}
		System.exit(complete ? 0 : 1);
	}

	private static boolean run(BenchmarkDatabase database, String mode, int events, int rate, int seconds,
			StringBuilder report) throws Exception {
		String slot = "outbox_bench_" + mode;
		Map<String, Object> properties = FullPathVariant.applicationProperties(database, slot);
		// the benchmark server runs with synchronous_commit off, where the walsender sees a commit only when
		// the WAL writer flushes it (wal_writer_delay, 200 ms): latency needs the default, on
		properties.put("spring.datasource.hikari.connection-init-sql", "SET synchronous_commit = on");
		properties.put("cdc.publication.name", slot);
		properties.put("cdc.publication.tables", "business");
		properties.put("cdc.outbox.mode", mode);
		properties.put("cdc.application-events.enabled", "false");
		try (ConfigurableApplicationContext context = FullPathVariant.start(OutboxApplication.class, properties)) {
			ReplicationEngine engine = context.getBean(ReplicationEngine.class);
			LatencyBenchmark.awaitStreaming(engine);
			Outbox outbox = context.getBean(Outbox.class);
			TransactionTemplate transactions = context.getBean(TransactionTemplate.class);
			JdbcTemplate jdbc = new JdbcTemplate(context.getBean(javax.sql.DataSource.class));
			LatencyRecorder recorder = context.getBean(LatencyRecorder.class);
			long[] ids = { System.currentTimeMillis() * 1_000 };

			// warm-up of both paths, so that the JIT favours neither the baseline nor the outbox
			int warmUp = Math.min(2_000, events / 5);
			recorder.reset(warmUp);
			for (int i = 0; i < warmUp; i++) {
				long id = ++ids[0];
				transactions.executeWithoutResult((status) -> {
					jdbc.update("INSERT INTO business VALUES (?, 'warm-up')", id);
					outbox.publish("business", Long.toString(id), "business.created", Map.of("id", id));
				});
			}
			awaitArrivals(recorder, warmUp, engine);

			// baseline: the business transactions alone
			long start = System.nanoTime();
			for (int i = 0; i < events; i++) {
				long id = ++ids[0];
				transactions.executeWithoutResult((status) -> jdbc.update("INSERT INTO business VALUES (?, 'plain')", id));
			}
			double plainRate = events / ((System.nanoTime() - start) / 1e9);

			// throughput: the same with one event each
			recorder.reset(events);
			start = System.nanoTime();
			for (int i = 0; i < events; i++) {
				long id = ++ids[0];
				transactions.executeWithoutResult((status) -> {
					jdbc.update("INSERT INTO business VALUES (?, 'with event')", id);
					outbox.publish("business", Long.toString(id), "business.created", Map.of("id", id, "note", "x"));
				});
			}
			double publishRate = events / ((System.nanoTime() - start) / 1e9);
			boolean complete = awaitArrivals(recorder, events, engine);
			double deliveredRate = events / ((recorder.lastArrivalNanos() - start) / 1e9);

			// latency: a steady rate
			int total = rate * seconds;
			recorder.reset(total);
			long interval = 1_000_000_000L / rate;
			long next = System.nanoTime();
			for (int i = 0; i < total; i++) {
				next += interval;
				long wait = next - System.nanoTime();
				if (wait > 0) {
					LockSupport.parkNanos(wait);
				}
				long id = ++ids[0];
				transactions.executeWithoutResult((status) -> {
					jdbc.update("INSERT INTO business VALUES (?, 'steady')", id);
					outbox.publish("business", Long.toString(id), "business.created", Map.of("id", id));
				});
			}
			complete &= awaitArrivals(recorder, total, engine);
			long[] delays = Arrays.copyOf(recorder.delays(), Math.min(total, recorder.count()));
			Arrays.sort(delays);
			report.append(String.format("%-8s | %,12.0f | %7.2f | %,14.0f | %9.2f | %9.2f | %9.2f | %9.2f%s%n", mode,
					publishRate, publishRate / plainRate, deliveredRate, millis(delays, 0.50), millis(delays, 0.95),
					millis(delays, 0.99), (delays.length > 0) ? delays[delays.length - 1] / 1000.0 : 0,
					complete ? "" : "  INCOMPLETE"));
			report.append(String.format("%-8s   (baseline without the outbox: %,.0f tx/s)%n", "", plainRate));
			return complete;
		}
	}

	private static boolean awaitArrivals(LatencyRecorder recorder, int expected, ReplicationEngine engine)
			throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
		while (recorder.count() < expected && System.nanoTime() < deadline && engine.isRunning()) {
			Thread.sleep(5);
		}
		return recorder.count() >= expected;
	}

	/** A percentile of sorted microsecond delays, in milliseconds. */
	private static double millis(long[] sortedMicros, double quantile) {
		return LatencyBenchmark.percentile(sortedMicros, quantile) / 1000.0;
	}

}
