package dev.pgcdc.benchmarks;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Runs workload W1 (design.md section 8) and prints rows per second of each variant and its ratio to the
 * raw pgjdbc stream measured in the same run.
 *
 * <p>Order of a run: start (or connect to) the server; create table {@code w1}, the publications and one
 * slot per variant run; insert the rows in transactions of 1,000; then drain each slot in turn with its
 * variant, by default {@code raw, full, full-values, cdc-listener, redis, raw}, as many rounds as
 * {@code --repeat} asks, one after the other. A round's baseline is the mean of its raw runs, so that warm-up
 * and caching favour neither side; {@link RunSummary} gives median (min-max) over the rounds. Time is
 * counted from the first row received to the last one; the time to the first row (connecting, application
 * start-up, decoding the first transaction) is shown apart.
 *
 * <p>Exit status 0 when every variant received every row, 1 when one did not, 2 on bad usage or a failed
 * set-up. See docs/benchmarks.md.
 */
public final class W1Benchmark {

	/** Above this share of a core used by others while rows flowed, a figure is reported as disturbed. */
	private static final int DISTURBED_PERCENT = 30;

	private W1Benchmark() {
	}

	public static void main(String[] args) throws Exception {
		if (args.length > 0 && args[0].equals("outbox")) {
			OutboxBenchmark.main(java.util.Arrays.copyOfRange(args, 1, args.length));
			return;
		}
		Locale.setDefault(Locale.ROOT);
		if (args.length > 0 && args[0].equals("latency")) {
			ListenerLatencyBenchmark.main(java.util.Arrays.copyOfRange(args, 1, args.length));
			return;
		}
		if (java.util.Arrays.asList(args).contains(StreamingExperiment.COMMAND)) {
			// anywhere in the arguments: system-postgres.sh puts --url and --user first
			StreamingExperiment.main(args);
			return;
		}
		if (java.util.Arrays.asList(args).contains(LargeTransactionBenchmark.COMMAND)) {
			// anywhere too: `benchmarks/system-postgres.sh large-transaction --live --repeat=3`
			LargeTransactionBenchmark.main(args);
			return;
		}
		if (args.length > 0 && args[0].equals(LargeTransactionBenchmark.CHILD)) {
			LargeTransactionBenchmark.child(java.util.Arrays.copyOfRange(args, 1, args.length));
			return;
		}
		Options options;
		try {
			options = Options.parse(args);
		}
		catch (Options.UsageException ex) {
			if (ex.getMessage() != null) {
				System.err.println(ex.getMessage());
				System.err.println();
			}
			System.err.print(Options.USAGE);
			System.exit((ex.getMessage() != null) ? 2 : 0);
			return;
		}
		int status;
		try {
			status = run(options);
			if (options.smoke() && options.embedded()) {
				status = Math.max(status, smokeOfTheOtherTargets());
			}
		}
		catch (Exception ex) {
			System.err.println("Benchmark failed: " + ex);
			ex.printStackTrace();
			status = 2;
		}
		System.exit(status);
	}

	/**
	 * Small versions of the latency and large-transaction benchmarks (design.md section 8), each on a server
	 * of its own: 2,000 tx/s for 3 s, and a 100,000-row transaction in a JVM of 256 MB.
	 */
	private static int smokeOfTheOtherTargets() throws Exception {
		say("Latency smoke: 2,000 tx/s for 3 s");
		boolean latency;
		try (BenchmarkDatabase database = BenchmarkDatabase.startEmbedded()) {
			latency = LatencyBenchmark.run(database, 3, 2000);
		}
		say("Large-transaction smoke: 100,000 rows in one transaction, consumer JVM -Xmx" + LargeTransactionBenchmark.HEAP);
		boolean large;
		try (BenchmarkDatabase database = BenchmarkDatabase.startEmbedded()) {
			large = LargeTransactionBenchmark.run(database, 100_000);
		}
		return (latency && large) ? 0 : 1;
	}

	private static int run(Options options) throws Exception {
		say("pgcdc benchmark, workload W1: " + options);
		long setupStart = System.nanoTime();
		try (BenchmarkDatabase database = options.embedded() ? BenchmarkDatabase.startEmbedded()
				: BenchmarkDatabase.external(options.url(), options.user(), options.password())) {
			say("Server: " + database.queryString("SELECT version()") + (database.isEmbedded() ? " (embedded)" : ""));
			W1Workload workload = new W1Workload(database);
			try {
				workload.createSchema();
				List<String> plan = new ArrayList<>();
				for (int round = 0; round < options.repeat(); round++) {
					plan.addAll(options.variants());
				}
				List<String> slots = new ArrayList<>();
				for (int i = 0; i < plan.size(); i++) {
					String slot = W1Workload.SLOT_PREFIX + (i + 1) + "_" + plan.get(i).replace('-', '_');
					// a snapshot variant's slot is created by pgcdc itself, exporting the snapshot it reads
					if (!Options.SNAPSHOT.equals(plan.get(i))) {
						workload.createSlot(slot);
					}
					slots.add(slot);
				}
				say(String.format("Inserting %,d rows in transactions of %,d ...", options.rows(), options.batch()));
				long insertStart = System.nanoTime();
				workload.insert(options.rows(), options.batch());
				double insertSeconds = (System.nanoTime() - insertStart) / 1e9;
				long walBytes = workload.retainedWalBytes();
				String endLsn = database.queryString("SELECT pg_current_wal_insert_lsn()");
				say(String.format("Inserted in %.1f s (%,.0f rows/s); %,d MB of WAL to decode per slot", insertSeconds,
						options.rows() / insertSeconds, walBytes / (1024 * 1024)));
				List<RunSummary.Run> runs = new ArrayList<>();
				for (int i = 0; i < plan.size(); i++) {
					String variant = plan.get(i);
					say("Running " + variant + " (" + (i + 1) + "/" + plan.size() + ") on slot " + slots.get(i) + " ...");
					Result result;
					try {
						result = switch (variant) {
							case Options.RAW, Options.RAW_BINARY, Options.RAW_COALESCED -> new RawVariant(database, variant)
								.run(slots.get(i), options.rows(), options.timeoutMillis());
							case Options.PG_RECVLOGICAL -> new RecvLogicalVariant(database).run(slots.get(i),
									options.rows(), endLsn, options.timeoutMillis());
							case Options.REDIS -> new RedisVariant(database).run(slots.get(i), options.rows(),
									options.timeoutMillis());
							case Options.DEBEZIUM -> new DebeziumVariant(database).run(slots.get(i), options.rows(),
									options.timeoutMillis());
							case Options.RABBIT -> new RabbitVariant(database).run(slots.get(i), options.rows(),
									options.timeoutMillis());
							default -> new FullPathVariant(database).run(variant, slots.get(i), options.rows(),
									options.timeoutMillis());
						};
					}
					catch (Exception ex) {
						ex.printStackTrace();
						result = Result.timeOnly(variant, options.rows(), 0, 0, "failed: " + ex);
					}
					say(String.format("  %s: %,d of %,d rows in %.2f s = %,.0f rows/s%s", variant, result.received(),
							result.expected(), result.seconds(), result.rowsPerSecond(),
							result.note().isEmpty() ? "" : " (" + result.note() + ")"));
					runs.add(new RunSummary.Run(i / options.variants().size() + 1, i + 1, result));
				}
				printReport(options, database, runs, insertSeconds, walBytes, (System.nanoTime() - setupStart) / 1e9);
				return runs.stream().allMatch((run) -> run.result().complete()) ? 0 : 1;
			}
			finally {
				try {
					workload.dropEverything();
				}
				catch (Exception ex) {
					System.err.println("Could not clean up: " + ex);
				}
			}
		}
	}

	private static void printReport(Options options, BenchmarkDatabase database, List<RunSummary.Run> runs,
			double insertSeconds, long walBytes, double totalSeconds) throws Exception {
		RunSummary summary = new RunSummary(runs);
		List<Result> results = runs.stream().map(RunSummary.Run::result).toList();
		StringBuilder out = new StringBuilder();
		out.append('\n').append("== pgcdc benchmark, workload W1 ==").append('\n');
		out.append("date:        ").append(OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS)).append('\n');
		out.append("postgresql:  ").append(database.queryString("SHOW server_version"))
			.append(database.isEmbedded() ? " (embedded, fsync off, synchronous_commit off, shared_buffers 256MB)"
					: " (external)")
			.append('\n');
		out.append("jvm:         ").append(System.getProperty("java.vm.name")).append(' ')
			.append(System.getProperty("java.runtime.version")).append(", max heap ")
			.append(Runtime.getRuntime().maxMemory() / (1024 * 1024)).append(" MB, gc ")
			.append(ManagementFactory.getGarbageCollectorMXBeans()
				.stream()
				.map(GarbageCollectorMXBean::getName)
				.collect(Collectors.joining("/")))
			.append('\n');
		out.append("machine:     ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
			.append(cpuModel())
			.append(", ")
			.append(System.getProperty("os.name"))
			.append(' ')
			.append(System.getProperty("os.arch"))
			.append('\n');
		out.append(String.format("workload:    %,d rows of 9 columns in transactions of %,d, inserted in %.1f s; "
				+ "%,d MB of WAL per slot%n", options.rows(), options.batch(), insertSeconds, walBytes / (1024 * 1024)));
		out.append("timing:      rows/s = rows / time from the first row received to the last").append('\n');
		out.append('\n');
		String header = String.format("%5s | %-14s | %10s | %7s | %8s | %6s | %41s | %5s | %29s | %10s | %s", "round",
				"variant", "rows", "seconds", "rows/s", "ratio", "CPU us/row", "reads", "busy, % of one core",
				"first row", "bottleneck; note");
		out.append(header).append('\n');
		out.append(String.format("%5s | %-14s | %10s | %7s | %8s | %6s | %7s %7s %7s %7s %9s | %5s | %5s %9s %5s %7s | %10s |",
				"", "", "", "", "", "to raw", "JVM", "reader", "dispat.", "sink", "walsender", "/row", "JVM",
				"walsender", "sink", "others", "after"))
			.append('\n');
		out.append("-".repeat(header.length() + 8)).append('\n');
		for (RunSummary.Run run : runs) {
			Result result = run.result();
			double ratioToRaw = summary.ratio(run);
			String ratio = Double.isNaN(ratioToRaw) ? "-" : String.format("%.2f", ratioToRaw);
			double others = result.othersPercent();
			String note = RunSummary.bottleneck(result) + (result.note().isEmpty() ? "" : "; " + result.note());
			out.append(String.format(
					"%5d | %-14s | %,10d | %7.2f | %,8.0f | %6s | %7s %7s %7s %7s %9s | %5s | %5s %9s %5s %7s | %10s | %s",
					run.round(), result.variant(), result.received(), result.seconds(), result.rowsPerSecond(), ratio,
					format(result.jvmMicrosPerRow(), "%.2f"), format(result.readerMicrosPerRow(), "%.2f"),
					format(result.dispatchMicrosPerRow(), "%.2f"), format(result.sinkMicrosPerRow(), "%.2f"),
					format(result.serverMicrosPerRow(), "%.2f"), format(result.readCallsPerRow(), "%.2f"),
					format(result.jvmPercent(), "%.0f"), format(result.serverPercent(), "%.0f"),
					format(result.childPercent(), "%.0f"), format(others, "%.0f"),
					(result.firstRowNanos() > 0) ? String.format("%.2f s", result.firstRowNanos() / 1e9) : "-",
					result.complete() ? note : "INCOMPLETE " + note))
				.append('\n');
		}
		out.append(String.format("%n%s%n%s%n%s%n%s%n%s%n%s%n",
				"ratio to raw: rows/s divided by the mean of the raw runs of the same round",
				"CPU us/row: CPU time (user + system) per row while rows flowed. JVM = this whole JVM (GC and JIT "
						+ "included); reader = the thread reading the stream; dispat. = the engine's dispatch thread "
						+ "plus any @CdcListener threads, where listeners run; sink = the sink's threads and the servers "
						+ "the benchmark started for it (Redis); walsender = the server process that decodes the slot",
				"reads/row: read system calls of this JVM per row (nearly all on the replication socket): "
						+ "fewer means the server sent more per write",
				"busy: while rows flowed, in percent of one core (" + Runtime.getRuntime().availableProcessors()
						+ " cores = " + (100 * Runtime.getRuntime().availableProcessors()) + "); sink = the processes the "
						+ "benchmark started (part of the variant); others = the rest of the machine: other processes "
						+ "and kernel time charged to none",
				"bottleneck: the busiest of walsender (>= 85% is the ceiling), JVM reader, dispatch, sink, other "
						+ "process; walsender figures need the server on this machine ('-' otherwise)",
				"first row after: from connecting (raw) or starting the application (full) to the first row"));
		out.append(String.format("%n== median (min-max) over %d round%s ==%n", options.repeat(),
				(options.repeat() == 1) ? "" : "s"));
		out.append(summary.table());
		summary.againstDebezium().forEach((line) -> out.append(line).append('\n'));
		out.append('\n');
		target(out, summary, Options.FULL, "full path >= 0.85 x raw", summary.medianRatio(Options.FULL), 0.85, true);
		target(out, summary, Options.CDC_LISTENER, "cdc-listener >= 0.9 x raw",
				summary.medianRatio(Options.CDC_LISTENER), 0.9, true);
		target(out, summary, Options.CDC_LISTENER, "cdc-listener JVM CPU per row <= 1.3 x raw's",
				summary.medianJvmRatio(Options.CDC_LISTENER), 1.3, false);
		target(out, summary, Options.CDC_LISTENER, "cdc-listener >= 2.5 x Debezium",
				summary.medianAgainstDebezium(Options.CDC_LISTENER), 2.5, true);
		target(out, summary, Options.REDIS, "Redis sink (HSET + SADD) >= 0.5 x raw", summary.medianRatio(Options.REDIS),
				0.5, true);
		target(out, summary, Options.RABBIT, "RabbitMQ sink >= 0.4 x raw", summary.medianRatio(Options.RABBIT), 0.4, true);
		List<String> disturbed = new ArrayList<>();
		for (RunSummary.Run run : runs) {
			double others = run.result().othersPercent();
			if (others > DISTURBED_PERCENT) {
				disturbed.add(run.result().variant() + " (run " + run.index() + String.format(", others %.0f%%)", others));
			}
		}
		if (!disturbed.isEmpty()) {
			out.append(String.format("%nWARNING: other work took more than %d%% of a core during %s: those figures are "
					+ "disturbed; run again on an idle machine.%n", DISTURBED_PERCENT, String.join(", ", disturbed)));
		}
		boolean complete = results.stream().allMatch(Result::complete);
		out.append(String.format("%nresult: %s (total run %.0f s)%n",
				complete ? "every variant received every row" : "SOME VARIANT DID NOT RECEIVE EVERY ROW", totalSeconds));
		System.out.print(out);
		System.out.flush();
	}

	/** One target line of design.md section 8 or issue 17, on the median; nothing when the variant did not run. */
	private static void target(StringBuilder out, RunSummary summary, String variant, String target, double median,
			double limit, boolean atLeast) {
		if (!summary.variants().contains(variant) || Double.isNaN(median)) {
			return;
		}
		boolean met = atLeast ? median >= limit : median <= limit;
		out.append(String.format("target %s: median %.2f -> %s%n", target, median, met ? "met" : "NOT met"));
	}

	private static String format(double value, String format) {
		return Double.isNaN(value) ? "-" : String.format(format, value);
	}

	private static String cpuModel() {
		try {
			return Files.readAllLines(Path.of("/proc/cpuinfo"))
				.stream()
				.filter((line) -> line.startsWith("model name"))
				.map((line) -> line.substring(line.indexOf(':') + 1).trim())
				.findFirst()
				.orElse("unknown cpu");
		}
		catch (IOException | RuntimeException ex) {
			return "unknown cpu";
		}
	}

	private static void say(String message) {
		System.out.println(message);
		System.out.flush();
	}

}
