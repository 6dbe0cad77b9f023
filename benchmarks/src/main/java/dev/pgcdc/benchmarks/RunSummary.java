package dev.pgcdc.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * The figures of a run with {@code --repeat}: every variant ran once per round, rounds one after the other
 * ({@code raw, full, ..., raw, full, ...}), so that what else the machine does falls on every variant alike.
 * Ratios are taken per round, against that round's raw runs, and then summarised as median with min-max;
 * the report names each variant's bottleneck from the CPU figures of its runs.
 */
final class RunSummary {

	/** A component at or above this share of one core is the ceiling, whatever else is busy. */
	private static final double SATURATED_PERCENT = 85;

	/** Variants that are not pgcdc: the baselines and the peer. */
	private static final Set<String> NOT_PGCDC = Set.of(Options.RAW, Options.RAW_BINARY, Options.RAW_COALESCED,
			Options.PG_RECVLOGICAL, Options.DEBEZIUM);

	private final List<Run> runs;

	RunSummary(List<Run> runs) {
		this.runs = List.copyOf(runs);
	}

	/**
	 * One run of one variant.
	 * @param round the round it ran in, from 1
	 * @param index its position in the whole run, from 1
	 * @param result what it measured
	 */
	record Run(int round, int index, Result result) {
	}

	/**
	 * Return the round's baseline: the mean rows/s of its complete raw runs.
	 * @param round the round
	 * @return rows/s, 0 without a complete raw run
	 */
	double baseline(int round) {
		return mean(round, Options.RAW, Result::rowsPerSecond);
	}

	/**
	 * Return the run's rows/s divided by its round's baseline.
	 * @param run the run
	 * @return the ratio, NaN when either is missing
	 */
	double ratio(Run run) {
		double baseline = baseline(run.round());
		return (baseline > 0 && run.result().complete()) ? run.result().rowsPerSecond() / baseline : Double.NaN;
	}

	/**
	 * Return the run's JVM CPU per row divided by that of its round's raw runs: the figure the noise of the
	 * machine moves least.
	 * @param run the run
	 * @return the ratio, NaN when either is missing
	 */
	double jvmRatio(Run run) {
		double raw = mean(run.round(), Options.RAW, Result::jvmMicrosPerRow);
		double own = run.result().jvmMicrosPerRow();
		return (raw > 0 && !Double.isNaN(own) && run.result().complete()) ? own / raw : Double.NaN;
	}

	/**
	 * Name what limited a run: the busiest of the walsender, the JVM's reader thread, its dispatch threads,
	 * the sink (its threads and the servers the benchmark started for it) and the other processes of the
	 * machine, with its share of one core while rows flowed. A component near a full core (one thread, one
	 * process) is the ceiling even when other processes use more.
	 * @param result the run's figures
	 * @return for example {@code walsender 97%}, or {@code -} without CPU figures
	 */
	static String bottleneck(Result result) {
		double rate = result.rowsPerSecond();
		if (!result.complete() || Double.isNaN(result.jvmMicrosPerRow()) || rate <= 0) {
			return "-";
		}
		Map<String, Double> busy = new LinkedHashMap<>();
		busy.put("walsender", result.serverPercent());
		busy.put("JVM reader", result.readerMicrosPerRow() * rate / 1e4);
		busy.put("dispatch", result.dispatchMicrosPerRow() * rate / 1e4);
		busy.put("sink", result.sinkMicrosPerRow() * rate / 1e4);
		String name = "-";
		double most = -1;
		for (Map.Entry<String, Double> entry : busy.entrySet()) {
			if (!Double.isNaN(entry.getValue()) && entry.getValue() > most) {
				most = entry.getValue();
				name = entry.getKey();
			}
		}
		// a component near a full core is the ceiling, however busy the rest of the machine is
		if (most < SATURATED_PERCENT && result.othersPercent() > most) {
			most = result.othersPercent();
			name = "other process";
		}
		return (most < 0) ? "-" : String.format("%s %.0f%%", name, most);
	}

	/**
	 * Return the table of medians: per variant, rows/s, ratio to raw, JVM CPU per row and its ratio to raw's,
	 * each as median (min-max) over the rounds, and the bottleneck most runs had.
	 * @return the table's lines
	 */
	String table() {
		StringBuilder out = new StringBuilder();
		String header = String.format("%-14s | %4s | %-25s | %-17s | %-20s | %-17s | %s", "variant", "runs",
				"rows/s median (min-max)", "ratio to raw", "JVM CPU us/row", "JVM us/row to raw", "bottleneck");
		out.append(header).append('\n').append("-".repeat(header.length() + 12)).append('\n');
		for (String variant : variants()) {
			List<Run> own = runsOf(variant);
			long complete = own.stream().filter((run) -> run.result().complete()).count();
			out.append(String.format("%-14s | %4s | %-25s | %-17s | %-20s | %-17s | %s%n", variant,
					complete + "/" + own.size(), spread(own, (run) -> run.result().rowsPerSecond(), "%,.0f"),
					spread(own, this::ratio, "%.2f"), spread(own, (run) -> run.result().jvmMicrosPerRow(), "%.2f"),
					spread(own, this::jvmRatio, "%.2f"), commonBottleneck(own)));
		}
		return out.toString();
	}

	/**
	 * Return, per pgcdc variant, its rows/s divided by Debezium's of the same round and Debezium's JVM CPU per
	 * row divided by its own, each median (min-max). The second is the one the walsender does not cap: when
	 * both stream at the server's rate, the rows/s ratio cannot exceed raw's.
	 * @return one line per pgcdc variant, empty without a complete Debezium run
	 */
	List<String> againstDebezium() {
		List<String> lines = new ArrayList<>();
		for (String variant : variants()) {
			if (NOT_PGCDC.contains(variant)) {
				continue;
			}
			List<Run> own = runsOf(variant);
			ToDoubleFunction<Run> faster = (run) -> againstPeer(run, Result::rowsPerSecond, false);
			ToDoubleFunction<Run> cheaper = (run) -> againstPeer(run, Result::jvmMicrosPerRow, true);
			if (own.stream().anyMatch((run) -> !Double.isNaN(faster.applyAsDouble(run)))) {
				lines.add(String.format("pgcdc / Debezium, %s: rows/s %s; Debezium's JVM CPU per row / pgcdc's %s",
						variant, spread(own, faster, "%.2f"), spread(own, cheaper, "%.2f")));
			}
		}
		return lines;
	}

	/**
	 * Return the median of a variant's per-round ratios to raw.
	 * @param variant the variant
	 * @return the median, NaN without one
	 */
	double medianRatio(String variant) {
		return stats(runsOf(variant), this::ratio)[1];
	}

	/**
	 * Return the median of a variant's per-round JVM CPU per row ratios to raw.
	 * @param variant the variant
	 * @return the median, NaN without one
	 */
	double medianJvmRatio(String variant) {
		return stats(runsOf(variant), this::jvmRatio)[1];
	}

	/**
	 * Return the median of a variant's per-round rows/s divided by Debezium's.
	 * @param variant the variant
	 * @return the median, NaN without one
	 */
	double medianAgainstDebezium(String variant) {
		return stats(runsOf(variant), (run) -> againstPeer(run, Result::rowsPerSecond, false))[1];
	}

	/**
	 * Compare one run's figure with Debezium's mean of the same round, so that the larger result is pgcdc's
	 * advantage: own / peer for a rate, peer / own for a cost.
	 */
	private double againstPeer(Run run, ToDoubleFunction<Result> figure, boolean cost) {
		double peer = mean(run.round(), Options.DEBEZIUM, figure);
		double own = figure.applyAsDouble(run.result());
		if (peer <= 0 || Double.isNaN(own) || own <= 0 || !run.result().complete()) {
			return Double.NaN;
		}
		return cost ? peer / own : own / peer;
	}

	Set<String> variants() {
		Set<String> names = new LinkedHashSet<>();
		this.runs.forEach((run) -> names.add(run.result().variant()));
		return names;
	}

	private List<Run> runsOf(String variant) {
		return this.runs.stream().filter((run) -> run.result().variant().equals(variant)).toList();
	}

	private String commonBottleneck(List<Run> runs) {
		Map<String, List<String>> byName = new LinkedHashMap<>();
		for (Run run : runs) {
			String named = bottleneck(run.result());
			if (!named.equals("-")) {
				byName.computeIfAbsent(named.substring(0, named.lastIndexOf(' ')), (key) -> new ArrayList<>()).add(named);
			}
		}
		return byName.entrySet()
			.stream()
			.max((a, b) -> Integer.compare(a.getValue().size(), b.getValue().size()))
			.map((entry) -> entry.getValue().get(entry.getValue().size() / 2) + " (" + entry.getValue().size() + " of "
					+ runs.size() + ")")
			.orElse("-");
	}

	private double mean(int round, String variant, ToDoubleFunction<Result> figure) {
		return this.runs.stream()
			.filter((run) -> run.round() == round && run.result().variant().equals(variant) && run.result().complete())
			.mapToDouble((run) -> figure.applyAsDouble(run.result()))
			.filter((value) -> !Double.isNaN(value))
			.average()
			.orElse(0);
	}

	/** median (min-max) of the runs' figures, or {@code -} without any. */
	private static String spread(List<Run> runs, ToDoubleFunction<Run> figure, String format) {
		double[] stats = stats(runs, figure);
		if (Double.isNaN(stats[1])) {
			return "-";
		}
		String median = String.format(format, stats[1]);
		return (stats[0] == stats[2]) ? median
				: median + " (" + String.format(format, stats[0]) + "-" + String.format(format, stats[2]) + ")";
	}

	/** {min, median, max} of the figures that are known and positive, NaNs without any. */
	private static double[] stats(List<Run> runs, ToDoubleFunction<Run> figure) {
		double[] values = runs.stream()
			.mapToDouble(figure)
			.filter((value) -> !Double.isNaN(value) && value > 0)
			.sorted()
			.toArray();
		if (values.length == 0) {
			return new double[] { Double.NaN, Double.NaN, Double.NaN };
		}
		int middle = values.length / 2;
		double median = (values.length % 2 == 1) ? values[middle] : (values[middle - 1] + values[middle]) / 2;
		return new double[] { values[0], median, values[values.length - 1] };
	}

}
