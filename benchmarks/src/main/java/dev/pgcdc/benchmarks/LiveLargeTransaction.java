package dev.pgcdc.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code LargeTransactionBenchmark --live}: the whole-transaction consumer streams while one transaction of
 * W1 rows is written, and the figure is the time from that commit to the end of the consumer's pass over the
 * transaction, with {@code cdc.slot.streaming} on and off in turn, beside the server's {@code spill_bytes} and
 * {@code stream_bytes} for the consumer's slot. {@code --url=} measures an external server.
 */
final class LiveLargeTransaction {

	private LiveLargeTransaction() {
	}

	static void main(String[] args, long rows, int repeat) throws Exception {
		List<Boolean> modes = List.of(true, false);
		for (String arg : args) {
			modes = arg.equals("--streaming=on") ? List.of(true) : arg.equals("--streaming=off") ? List.of(false) : modes;
		}
		List<List<double[]>> figures = new ArrayList<>();
		modes.forEach((mode) -> figures.add(new ArrayList<>()));
		boolean complete = true;
		try (BenchmarkDatabase database = BenchmarkDatabase.fromArguments(args)) {
			System.out.printf("server %s, logical_decoding_work_mem %s, %,d W1 rows in one transaction, child -Xmx%s%n",
					database.queryString("SHOW server_version"), database.queryString("SHOW logical_decoding_work_mem"),
					rows, LargeTransactionBenchmark.HEAP);
			for (int round = 1; round <= repeat; round++) {
				for (int i = 0; i < modes.size(); i++) {
					double[] measured = measure(database, rows, modes.get(i));
					complete &= measured != null;
					if (measured != null) {
						figures.get(i).add(measured);
					}
				}
			}
		}
		for (int i = 0; i < modes.size(); i++) {
			List<double[]> mode = figures.get(i);
			if (!mode.isEmpty()) {
				System.out.printf("streaming=%s, median (min-max) over %d runs: commit -> transaction consumed %s s, "
						+ "server spill %s MB, streamed %s MB, heap used at most %s MB%n", modes.get(i) ? "on" : "off",
						mode.size(), LargeTransactionBenchmark.spread(mode, 0, "%.2f"), LargeTransactionBenchmark.spread(mode, 1, "%.0f"), LargeTransactionBenchmark.spread(mode, 2, "%.0f"),
						LargeTransactionBenchmark.spread(mode, 3, "%.0f"));
			}
		}
		System.exit(complete ? 0 : 1);
	}

	/** Returns seconds from commit to consumed, spill MB, stream MB and heap MB, or {@code null} on failure. */
	private static double[] measure(BenchmarkDatabase database, long rows, boolean streaming) throws Exception {
		W1Workload workload = new W1Workload(database);
		String slot = W1Workload.SLOT_PREFIX + "large_live";
		Path log = Files.createTempFile("pgcdc-large-live", ".log");
		Process child = null;
		try {
			workload.createSchema();
			workload.createSlot(slot);
			child = new ProcessBuilder(LargeTransactionBenchmark.childCommand(database, slot, rows, streaming))
				.redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.start();
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
			while (!Files.readString(log).contains("READY") && child.isAlive() && System.nanoTime() < deadline) {
				TimeUnit.MILLISECONDS.sleep(50);
			}
			workload.insert(rows, (int) rows);
			long committedAt = System.currentTimeMillis();
			boolean ended = child.waitFor(120_000 + rows / 2, TimeUnit.MILLISECONDS);
			String output = Files.readString(log);
			String result = output.lines().filter((line) -> line.startsWith("RESULT ")).findFirst().orElse(null);
			if (!ended || child.exitValue() != 0 || result == null) {
				System.out.printf("streaming=%s: FAILED (%s); child output:%n%s%n", streaming ? "on" : "off",
						ended ? "exit " + child.exitValue() : "timed out", output);
				return null;
			}
			String[] parts = result.split(" ");
			double seconds = (Long.parseLong(parts[4]) - committedAt) / 1000.0;
			long[] counters = counters(database, slot);
			System.out.printf("streaming=%-3s %,d rows in one transaction: commit -> transaction consumed %.2f s, "
					+ "server spill %,d MB, streamed %,d MB, heap used at most %s MB (%s)%n", streaming ? "on" : "off",
					Long.parseLong(parts[1]), seconds, counters[0] >> 20, counters[1] >> 20, parts[3],
					LatencyBenchmark.load());
			return (Long.parseLong(parts[1]) == rows) ? new double[] { seconds, counters[0] >> 20, counters[1] >> 20,
					Double.parseDouble(parts[3]) } : null;
		}
		finally {
			if (child != null && child.isAlive()) {
				child.destroyForcibly().waitFor();
			}
			Files.deleteIfExists(log);
			workload.dropEverything();
		}
	}

	private static long[] counters(BenchmarkDatabase database, String slot) throws Exception {
		try (Connection connection = database.connect();
				PreparedStatement statement = connection
					.prepareStatement("SELECT spill_bytes, stream_bytes FROM pg_stat_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, slot);
			try (ResultSet rows = statement.executeQuery()) {
				return rows.next() ? new long[] { rows.getLong(1), rows.getLong(2) } : new long[] { 0, 0 };
			}
		}
	}

}
