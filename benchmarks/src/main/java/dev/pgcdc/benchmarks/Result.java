package dev.pgcdc.benchmarks;

/**
 * What one run of one variant measured.
 *
 * @param variant the variant's name
 * @param expected rows inserted
 * @param received rows the reader counted
 * @param streamNanos time from the first to the last row received
 * @param firstRowNanos time from the start of the variant (connecting, or starting the application) to the
 * first row
 * @param jvmMicrosPerRow CPU time of this JVM per row while rows flowed, or NaN
 * @param readerMicrosPerRow CPU time of the thread reading the stream per row, or NaN
 * @param dispatchMicrosPerRow CPU time of the engine's dispatch thread per row, or NaN (raw has none)
 * @param serverMicrosPerRow CPU time of the walsender per row, or NaN when unknown
 * @param readCallsPerRow read system calls of this JVM per row (nearly all on the replication socket), or NaN
 * @param jvmPercent how busy this JVM was while rows flowed, in percent of one core, or NaN
 * @param serverPercent how busy the walsender was, in percent of one core, or NaN when unknown
 * @param machinePercent how busy the whole machine was, in percent of one core, or NaN when unknown
 * @param note anything else worth printing, or empty
 * @param sinkMicrosPerRow CPU time per row of the sink: its threads in this JVM and the processes the benchmark
 * started for it (Redis, RabbitMQ), or NaN when the variant has none
 * @param childPercent how busy the processes the benchmark started were (Redis, RabbitMQ), in percent of one
 * core, or NaN when unknown: they count as part of the variant, not as other work
 */
record Result(String variant, long expected, long received, long streamNanos, long firstRowNanos,
		double jvmMicrosPerRow, double readerMicrosPerRow, double dispatchMicrosPerRow, double serverMicrosPerRow,
		double readCallsPerRow, double jvmPercent, double serverPercent, double machinePercent, String note,
		double sinkMicrosPerRow, double childPercent) {

	/** A result without sink figures. */
	Result(String variant, long expected, long received, long streamNanos, long firstRowNanos, double jvmMicrosPerRow,
			double readerMicrosPerRow, double dispatchMicrosPerRow, double serverMicrosPerRow, double readCallsPerRow,
			double jvmPercent, double serverPercent, double machinePercent, String note) {
		this(variant, expected, received, streamNanos, firstRowNanos, jvmMicrosPerRow, readerMicrosPerRow,
				dispatchMicrosPerRow, serverMicrosPerRow, readCallsPerRow, jvmPercent, serverPercent, machinePercent, note,
				Double.NaN, Double.NaN);
	}

	/**
	 * Return the result of a run that measured time only.
	 * @param variant the variant's name
	 * @param rows rows expected
	 * @param received rows received
	 * @param nanos time taken
	 * @param note what to print beside it
	 * @return the result
	 */
	static Result timeOnly(String variant, long rows, long received, long nanos, String note) {
		return new Result(variant, rows, received, nanos, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
				Double.NaN, Double.NaN, Double.NaN, note);
	}

	boolean complete() {
		return this.received >= this.expected;
	}

	double seconds() {
		return this.streamNanos / 1e9;
	}

	double rowsPerSecond() {
		return (complete() && this.streamNanos > 0) ? this.expected / seconds() : 0;
	}

	/**
	 * Return how busy the rest of the machine was: other processes and kernel time charged to none, in percent
	 * of one core; the processes the benchmark started are not others.
	 * @return percent of one core, NaN when unknown
	 */
	double othersPercent() {
		double children = Double.isNaN(this.childPercent) ? 0 : this.childPercent;
		double server = Double.isNaN(this.serverPercent) ? 0 : this.serverPercent;
		return Math.max(0, this.machinePercent - this.jvmPercent - server - children);
	}

}
