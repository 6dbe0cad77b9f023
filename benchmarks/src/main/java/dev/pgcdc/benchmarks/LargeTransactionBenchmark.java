package dev.pgcdc.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.TransactionEvent;
import dev.pgcdc.replication.ChangeConsumer;
import dev.pgcdc.replication.ConnectionSettings;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.ReplicationSettings;

/**
 * One transaction of W1 rows (default 1,000,000) consumed by a JVM of its own with {@code -Xmx256m}
 * (design.md section 8): it must complete without {@link OutOfMemoryError}. The child's consumer asks for
 * whole transactions ({@code TransactionEvent}), the case that needs the most memory, and reads every
 * change of the transaction again after its commit. The raw pgjdbc stream drains the same transaction first
 * on another slot, for the ratio.
 *
 * <p>{@code java -cp benchmarks.jar ... LargeTransactionBenchmark [--rows=1000000]}, or part of
 * {@code --smoke}. With {@code --live} the child streams while the transaction is written, and the figure is
 * the time from the commit to the end of the whole-transaction consumer, with {@code cdc.slot.streaming} on
 * and off in turn ({@code --streaming=on|off} for one of them only), and the server's spill and stream
 * counters of the child's slot.
 */
public final class LargeTransactionBenchmark {

	/** The argument of {@code benchmarks.jar} that runs this benchmark. */
	static final String COMMAND = "large-transaction";

	/** The first argument that makes {@link W1Benchmark#main} run the child instead. */
	static final String CHILD = "--large-transaction-child";

	static final String HEAP = "256m";

	private LargeTransactionBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		Locale.setDefault(Locale.ROOT);
		long rows = LatencyBenchmark.argument(args, "rows", 1_000_000);
		int repeat = (int) Math.max(1, Math.min(9, LatencyBenchmark.argument(args, "repeat", 1)));
		if (java.util.Arrays.asList(args).contains("--live")) {
			LiveLargeTransaction.main(args, rows, repeat);
			return;
		}
		List<double[]> figures = new ArrayList<>();
		boolean complete = true;
		try (BenchmarkDatabase database = BenchmarkDatabase.fromArguments(args)) {
			for (int round = 1; round <= repeat; round++) {
				double[] measured = measure(database, rows);
				complete &= measured != null;
				if (measured != null) {
					figures.add(measured);
				}
			}
		}
		if (repeat > 1 && !figures.isEmpty()) {
			System.out.printf("Large transaction, median (min-max) over %d runs: %s rows/s, %s x raw, heap used at most %s MB%n",
					figures.size(), spread(figures, 0, "%,.0f"), spread(figures, 1, "%.2f"), spread(figures, 2, "%.0f"));
		}
		System.exit(complete ? 0 : 1);
	}

	static String spread(List<double[]> figures, int index, String format) {
		double[] values = figures.stream().mapToDouble((figure) -> figure[index]).sorted().toArray();
		return String.format(format, values[values.length / 2]) + " (" + String.format(format, values[0]) + "-"
				+ String.format(format, values[values.length - 1]) + ")";
	}

	/** Measure and print; returns whether the child received every row in one transaction. */
	static boolean run(BenchmarkDatabase database, long rows) throws Exception {
		return measure(database, rows) != null;
	}

	/**
	 * Measure and print; returns rows/s, its ratio to raw and the largest heap used in MB, or {@code null}
	 * if the child did not receive every row in one transaction.
	 */
	private static double[] measure(BenchmarkDatabase database, long rows) throws Exception {
		W1Workload workload = new W1Workload(database);
		try {
			workload.createSchema();
			String rawSlot = W1Workload.SLOT_PREFIX + "large_raw";
			String childSlot = W1Workload.SLOT_PREFIX + "large_child";
			workload.createSlot(rawSlot);
			workload.createSlot(childSlot);
			long insertStart = System.nanoTime();
			workload.insert(rows, (int) rows);
			System.out.printf("Inserted %,d rows in one transaction in %.1f s%n", rows, (System.nanoTime() - insertStart) / 1e9);
			long timeout = 120_000 + rows / 2;
			Result raw = new RawVariant(database).run(rawSlot, rows, timeout);
			Path log = Files.createTempFile("pgcdc-large-transaction", ".log");
			Process child = new ProcessBuilder(childCommand(database, childSlot, rows)).redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.start();
			boolean ended = child.waitFor(timeout, TimeUnit.MILLISECONDS);
			if (!ended) {
				child.destroyForcibly().waitFor();
			}
			String output = Files.readString(log);
			Files.deleteIfExists(log);
			String result = output.lines().filter((line) -> line.startsWith("RESULT ")).findFirst().orElse(null);
			boolean complete = ended && child.exitValue() == 0 && result != null;
			if (!complete) {
				System.out.printf("Large transaction: FAILED (%s, exit %s); child output:%n%s%n",
						ended ? "ended" : "timed out", ended ? child.exitValue() : "-", output);
				return null;
			}
			String[] parts = result.split(" ");
			long received = Long.parseLong(parts[1]);
			double seconds = Double.parseDouble(parts[2]);
			double rowsPerSecond = received / seconds;
			System.out.printf("Large transaction: %,d rows in one transaction, child JVM -Xmx%s, whole-transaction "
					+ "consumer: %.2f s = %,.0f rows/s (%.2f x raw %,.0f rows/s), heap used at most %s MB, no "
					+ "OutOfMemoryError (%s)%n", received, HEAP, seconds, rowsPerSecond, rowsPerSecond / raw.rowsPerSecond(),
					raw.rowsPerSecond(), parts[3], LatencyBenchmark.load());
			return (received == rows)
					? new double[] { rowsPerSecond, rowsPerSecond / raw.rowsPerSecond(), Double.parseDouble(parts[3]) }
					: null;
		}
		finally {
			workload.dropEverything();
		}
	}

	/** The same benchmark launcher, in a new JVM with a small heap, running {@link #child}. */
	static List<String> childCommand(BenchmarkDatabase database, String slot, long rows) {
		return childCommand(database, slot, rows, true);
	}

	static List<String> childCommand(BenchmarkDatabase database, String slot, long rows, boolean streaming) {
		String classPath = System.getProperty("java.class.path");
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-Xmx" + HEAP, "-XX:+ExitOnOutOfMemoryError"));
		if (classPath.endsWith(".jar") && !classPath.contains(java.io.File.pathSeparator)) {
			command.addAll(List.of("-jar", classPath)); // the executable benchmarks.jar
		}
		else {
			command.addAll(List.of("-cp", classPath, W1Benchmark.class.getName()));
		}
		command.addAll(List.of(CHILD, database.url(), database.user(), String.valueOf(database.password()), slot,
				Long.toString(rows), Boolean.toString(streaming)));
		return command;
	}

	/**
	 * The child: stream the slot until one transaction of {@code rows} changes arrived whole, then print
	 * {@code RESULT rows seconds maxHeapMB} (time from the first change to the end of the transaction).
	 */
	static void child(String[] args) throws Exception {
		long rows = Long.parseLong(args[4]);
		CountDownLatch done = new CountDownLatch(1);
		AtomicLong first = new AtomicLong();
		AtomicLong seconds = new AtomicLong();
		AtomicLong transactionRows = new AtomicLong();
		AtomicLong maxHeap = new AtomicLong();
		AtomicLong doneAt = new AtomicLong();
		ChangeConsumer consumer = new ChangeConsumer() {
			private long changes;

			@Override
			public void onChange(ChangeEvent event) {
				if (this.changes++ == 0) {
					first.set(System.nanoTime());
				}
				if (this.changes % 10_000 == 0) {
					Runtime runtime = Runtime.getRuntime();
					maxHeap.accumulateAndGet(runtime.totalMemory() - runtime.freeMemory(), Math::max);
				}
			}

			@Override
			public boolean wantsTransactions() {
				return true;
			}

			@Override
			public void onTransaction(TransactionEvent transaction) {
				long count = 0;
				for (ChangeEvent change : transaction.changes()) {
					change.row().get("id");
					count++;
				}
				if (count == rows) {
					transactionRows.set(count);
					seconds.set(System.nanoTime() - first.get());
					doneAt.set(System.currentTimeMillis());
					done.countDown();
				}
			}
		};
		ReplicationSettings settings = ReplicationSettings
			.builder(new ConnectionSettings(args[0], args[1], "null".equals(args[2]) ? null : args[2]), args[3],
					W1Workload.PUBLICATION)
			.createSlot(false)
			.createPublication(false)
			.streamInProgress(args.length < 6 || Boolean.parseBoolean(args[5]))
			.build();
		ReplicationEngine engine = LatencyBenchmark.startEngine(settings, consumer);
		LatencyBenchmark.awaitStreaming(engine);
		System.out.println("READY");
		done.await();
		engine.stop();
		System.out.printf(Locale.ROOT, "RESULT %d %.3f %d %d%n", transactionRows.get(), seconds.get() / 1e9,
				maxHeap.get() / (1024 * 1024), doneAt.get());
		System.exit(0);
	}

}
