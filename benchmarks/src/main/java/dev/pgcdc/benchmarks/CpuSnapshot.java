package dev.pgcdc.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time used so far by this JVM, by one server process (the walsender of the slot being read, when the
 * server runs on this machine) and by the whole machine; two snapshots give the CPU cost of what happened
 * between them. Where {@code /proc} is missing the server and machine figures are unknown (-1).
 *
 * @param nanos {@link System#nanoTime()} when taken
 * @param jvmCpuNanos CPU time of this process, all threads (JIT and GC included)
 * @param serverCpuTicks CPU ticks of the server process, or -1
 * @param machineBusyTicks non-idle CPU ticks of every core, or -1
 * @param machineTotalTicks all CPU ticks of every core, or -1
 * @param readerCpuNanos CPU time of the thread(s) reading the replication stream ({@code pgcdc-reader-*},
 * {@code raw-reader-*})
 * @param dispatchCpuNanos CPU time of the engine's dispatch thread(s) and listener threads
 * ({@code pgcdc-dispatch-*}, {@code pgcdc-listener-*})
 * @param jvmReadCalls read system calls of this JVM so far ({@code syscr} of {@code /proc/self/io}), or -1;
 * while rows flow nearly all are reads of the replication socket
 * @param sinkCpuNanos CPU time of the sinks' threads ({@code pgcdc-redis-*}, {@code lettuce-*},
 * {@code pgcdc-rabbit-*}, {@code AMQP *})
 * @param childTicks CPU ticks of the live processes this JVM started, other than PostgreSQL (Redis, RabbitMQ),
 * or -1
 */
record CpuSnapshot(long nanos, long jvmCpuNanos, long serverCpuTicks, long machineBusyTicks, long machineTotalTicks,
		long readerCpuNanos, long dispatchCpuNanos, long jvmReadCalls, long sinkCpuNanos, long childTicks) {

	/** Reader threads: pgcdc's, the raw variant's, and Debezium's connector threads that read and decode. */
	static final String[] READER_THREADS = { "pgcdc-reader-", "raw-reader-", "debezium-postgresconnector-" };

	/** Dispatch threads: pgcdc's dispatcher and listener workers, and the Debezium engine's record handlers. */
	static final String[] DISPATCH_THREADS = { "pgcdc-dispatch-", "pgcdc-listener-", "bench-debezium-" };

	static final String[] SINK_THREADS = { "pgcdc-redis-", "lettuce-", "pgcdc-rabbit-", "AMQP " };

	/** Linux reports process and machine CPU time in ticks of 1/100 s (USER_HZ). */
	private static final double TICKS_PER_SECOND = 100;

	static CpuSnapshot take(int serverPid) {
		long nanos = System.nanoTime();
		long jvm = processCpuNanos();
		long server = (serverPid > 0) ? processTicks(serverPid) : -1;
		long[] machine = machineTicks();
		long reader = threadCpuNanos(READER_THREADS);
		long dispatch = threadCpuNanos(DISPATCH_THREADS);
		long sink = threadCpuNanos(SINK_THREADS);
		return new CpuSnapshot(nanos, jvm, server, machine[0], machine[1], reader, dispatch, readCalls(), sink,
				startedProcessTicks());
	}

	/**
	 * Return the CPU ticks so far of the live processes this JVM started (and their children), PostgreSQL's
	 * excepted: the servers a variant starts for its sink.
	 * @return ticks, or -1 where {@code /proc} is missing
	 */
	static long startedProcessTicks() {
		if (!Files.isDirectory(Path.of("/proc/self"))) {
			return -1;
		}
		return ProcessHandle.current()
			.descendants()
			.filter((process) -> !process.info().command().orElse("").contains("postgres"))
			.mapToLong((process) -> Math.max(0, processTicks((int) process.pid())))
			.sum();
	}

	/**
	 * Return the CPU time of the sink between two snapshots in microseconds per row: its threads in this JVM
	 * and the processes this JVM started.
	 * @param later the later snapshot
	 * @param rows rows handled between them
	 * @return microseconds of CPU per row
	 */
	double sinkMicrosPerRow(CpuSnapshot later, long rows) {
		double threads = (later.sinkCpuNanos - this.sinkCpuNanos) / 1000.0;
		double children = (this.childTicks < 0 || later.childTicks < 0) ? 0
				: (later.childTicks - this.childTicks) / TICKS_PER_SECOND * 1e6;
		return (threads + children) / rows;
	}

	/**
	 * Return how busy the processes this JVM started were between two snapshots.
	 * @param later the later snapshot
	 * @return percent of one core, or -1 if unknown
	 */
	double childPercent(CpuSnapshot later) {
		if (this.childTicks < 0 || later.childTicks < 0) {
			return -1;
		}
		double seconds = (later.nanos - this.nanos) / 1e9;
		return 100.0 * Math.max(0, later.childTicks - this.childTicks) / TICKS_PER_SECOND / seconds;
	}

	/**
	 * Return the CPU time so far of this JVM's threads whose name starts with one of the prefixes.
	 * @param prefixes the thread name prefixes
	 * @return CPU nanoseconds, 0 where thread CPU time is not measured
	 */
	static long threadCpuNanos(String... prefixes) {
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		if (!threads.isThreadCpuTimeSupported() || !threads.isThreadCpuTimeEnabled()) {
			return 0;
		}
		long total = 0;
		for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
			if (info == null) {
				continue;
			}
			for (String prefix : prefixes) {
				if (info.getThreadName().startsWith(prefix)) {
					total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
					break;
				}
			}
		}
		return total;
	}

	/**
	 * Return how many read system calls this JVM made per row between two snapshots.
	 * @param later the later snapshot
	 * @param rows rows handled between them
	 * @return reads per row, or -1 if unknown
	 */
	double readCallsPerRow(CpuSnapshot later, long rows) {
		if (this.jvmReadCalls < 0 || later.jvmReadCalls < 0) {
			return -1;
		}
		return (double) (later.jvmReadCalls - this.jvmReadCalls) / rows;
	}

	/**
	 * Return the reader threads' CPU time between two snapshots in microseconds per row.
	 * @param later the later snapshot
	 * @param rows rows handled between them
	 * @return microseconds of CPU per row
	 */
	double readerMicrosPerRow(CpuSnapshot later, long rows) {
		return (later.readerCpuNanos - this.readerCpuNanos) / 1000.0 / rows;
	}

	/**
	 * Return the dispatch threads' CPU time between two snapshots in microseconds per row.
	 * @param later the later snapshot
	 * @param rows rows handled between them
	 * @return microseconds of CPU per row
	 */
	double dispatchMicrosPerRow(CpuSnapshot later, long rows) {
		return (later.dispatchCpuNanos - this.dispatchCpuNanos) / 1000.0 / rows;
	}

	/**
	 * Return the JVM's CPU time between two snapshots in microseconds per row.
	 * @param later the later snapshot
	 * @param rows rows handled between them
	 * @return microseconds of CPU per row
	 */
	double jvmMicrosPerRow(CpuSnapshot later, long rows) {
		return (later.jvmCpuNanos - this.jvmCpuNanos) / 1000.0 / rows;
	}

	/**
	 * Return how busy the server process was between two snapshots.
	 * @param later the later snapshot
	 * @return percent of one core, or -1 if unknown
	 */
	double serverPercent(CpuSnapshot later) {
		if (this.serverCpuTicks < 0 || later.serverCpuTicks < 0) {
			return -1;
		}
		double seconds = (later.nanos - this.nanos) / 1e9;
		return 100.0 * (later.serverCpuTicks - this.serverCpuTicks) / TICKS_PER_SECOND / seconds;
	}

	/**
	 * Return the server process's CPU time between two snapshots in microseconds per row.
	 * @param later the later snapshot
	 * @param rows rows handled between them
	 * @return microseconds of CPU per row, or -1 if unknown
	 */
	double serverMicrosPerRow(CpuSnapshot later, long rows) {
		if (this.serverCpuTicks < 0 || later.serverCpuTicks < 0) {
			return -1;
		}
		return (later.serverCpuTicks - this.serverCpuTicks) / TICKS_PER_SECOND * 1e6 / rows;
	}

	/**
	 * Return how busy the JVM was between two snapshots.
	 * @param later the later snapshot
	 * @return percent of one core
	 */
	double jvmPercent(CpuSnapshot later) {
		return 100.0 * (later.jvmCpuNanos - this.jvmCpuNanos) / (later.nanos - this.nanos);
	}

	/**
	 * Return how busy the whole machine was between two snapshots, in percent of one core (so 2 cores
	 * fully busy are 200).
	 * @param later the later snapshot
	 * @return percent of one core, or -1 if unknown
	 */
	double machinePercent(CpuSnapshot later) {
		if (this.machineTotalTicks < 0 || later.machineTotalTicks <= this.machineTotalTicks) {
			return -1;
		}
		double share = (double) (later.machineBusyTicks - this.machineBusyTicks)
				/ (later.machineTotalTicks - this.machineTotalTicks);
		return 100.0 * share * Runtime.getRuntime().availableProcessors();
	}

	private static long processCpuNanos() {
		if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
			return os.getProcessCpuTime();
		}
		return 0;
	}

	/** utime + stime of /proc/PID/stat; -1 if unreadable. */
	static long processTicks(int pid) {
		try {
			String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
			// the command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed
			String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
			return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
		}
		catch (IOException | RuntimeException ex) {
			return -1;
		}
	}

	private static long readCalls() {
		try {
			for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
				if (line.startsWith("syscr:")) {
					return Long.parseLong(line.substring(6).trim());
				}
			}
			return -1;
		}
		catch (IOException | RuntimeException ex) {
			return -1;
		}
	}

	/** {busy, total} ticks of the "cpu" line of /proc/stat (idle, iowait and steal are not busy); -1s if unreadable. */
	private static long[] machineTicks() {
		try {
			String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
			String[] fields = line.trim().split("\\s+");
			long total = 0;
			long idle = 0;
			for (int i = 1; i < fields.length && i <= 8; i++) {
				long value = Long.parseLong(fields[i]);
				total += value;
				if (i == 4 || i == 5 || i == 8) {
					idle += value;
				}
			}
			return new long[] { total - idle, total };
		}
		catch (IOException | RuntimeException ex) {
			return new long[] { -1, -1 };
		}
	}

}
