package dev.pgcdc.benchmarks;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.fluent.logical.ChainedLogicalStreamBuilder;

/**
 * An experiment, not part of the report: one large transaction of W1 rows written while a raw pgjdbc
 * reader (protocol version 2) streams the slot, once with {@code streaming = off} and once with
 * {@code streaming = on}. Prints, per mode, the time from the writer's commit to the commit message at the
 * reader (what a consumer of committed transactions waits), the time from the start of the insert, the
 * walsender's CPU and the server's spill and stream counters from {@code pg_stat_replication_slots}.
 *
 * <p>{@code java -jar benchmarks.jar streaming-experiment [--rows=1000000] [--url=... --user=...]}, or
 * {@code benchmarks/system-postgres.sh streaming-experiment} for the system's PostgreSQL.
 */
public final class StreamingExperiment {

	/** The argument of {@code benchmarks.jar} that runs the experiment. */
	static final String COMMAND = "streaming-experiment";

	private StreamingExperiment() {
	}

	public static void main(String[] args) throws Exception {
		Locale.setDefault(Locale.ROOT);
		long rows = LatencyBenchmark.argument(args, "rows", 1_000_000);
		try (BenchmarkDatabase database = BenchmarkDatabase.fromArguments(args)) {
			System.out.println("server " + database.queryString("SHOW server_version") + ", logical_decoding_work_mem "
					+ database.queryString("SHOW logical_decoding_work_mem") + ", " + String.format("%,d", rows)
					+ " W1 rows in one transaction");
			for (String mode : new String[] { "off", "on", "off", "on" }) {
				run(database, rows, mode);
			}
		}
	}

	private static void run(BenchmarkDatabase database, long rows, String streaming) throws Exception {
		W1Workload workload = new W1Workload(database);
		try {
			workload.createSchema();
			String slot = W1Workload.SLOT_PREFIX + "streaming_" + streaming;
			workload.createSlot(slot);
			AtomicLong inserts = new AtomicLong();
			AtomicLong commitSeen = new AtomicLong();
			AtomicLong firstSeen = new AtomicLong();
			AtomicLong walsenderTicks = new AtomicLong(-1);
			Thread reader = new Thread(() -> {
				try (Connection connection = database.connectForReplication()) {
					ChainedLogicalStreamBuilder builder = connection.unwrap(PGConnection.class)
						.getReplicationAPI()
						.replicationStream()
						.logical()
						.withSlotName(slot)
						.withSlotOption("proto_version", 2)
						.withSlotOption("publication_names", W1Workload.PUBLICATION)
						.withSlotOption("streaming", "on".equals(streaming));
					PGReplicationStream stream = builder.withStatusInterval(10, TimeUnit.SECONDS)
						.withAutomaticFlush(false)
						.start();
					while (commitSeen.get() == 0) {
						ByteBuffer buffer = stream.read();
						byte type = buffer.get(buffer.position());
						if (type == 'I') {
							if (inserts.incrementAndGet() == 1) {
								firstSeen.set(System.nanoTime());
							}
						}
						else if ((type == 'C' || type == 'c') && inserts.get() >= rows) {
							commitSeen.set(System.nanoTime());
							stream.setFlushedLSN(LogSequenceNumber.valueOf(stream.getLastReceiveLSN().asLong()));
						}
					}
					stream.close();
				}
				catch (SQLException ex) {
					ex.printStackTrace();
				}
			}, "streaming-reader");
			reader.start();
			int pid = awaitWalsender(database, slot);
			long ticksBefore = ticks(pid);
			long start = System.nanoTime();
			workload.insert(rows, (int) rows);
			long committed = System.nanoTime();
			reader.join(600_000);
			long ticksAfter = ticks(pid);
			walsenderTicks.set(ticksAfter - ticksBefore);
			String stats;
			try (Connection connection = database.connect();
					PreparedStatement statement = connection.prepareStatement("SELECT spill_txns, spill_count, "
							+ "spill_bytes, stream_txns, stream_count, stream_bytes, total_bytes FROM "
							+ "pg_stat_replication_slots WHERE slot_name = ?")) {
				statement.setString(1, slot);
				try (ResultSet rs = statement.executeQuery()) {
					stats = rs.next() ? String.format("spill %d txn %d times %,d MB, stream %d txn %d times %,d MB, "
							+ "total %,d MB", rs.getLong(1), rs.getLong(2), rs.getLong(3) >> 20, rs.getLong(4),
							rs.getLong(5), rs.getLong(6) >> 20, rs.getLong(7) >> 20) : "no statistics";
				}
			}
			System.out.printf("streaming=%-3s %,d rows: insert %.2f s, first change at reader %+.2f s after the "
					+ "insert began, commit -> commit at reader %.2f s, insert start -> commit at reader %.2f s, "
					+ "walsender CPU %.2f s (%.2f us/row); %s%n", streaming, inserts.get(), (committed - start) / 1e9,
					(firstSeen.get() - start) / 1e9, (commitSeen.get() - committed) / 1e9,
					(commitSeen.get() - start) / 1e9, walsenderTicks.get() / 100.0,
					walsenderTicks.get() * 10_000.0 / rows, stats);
		}
		finally {
			workload.dropEverything();
		}
	}

	private static int awaitWalsender(BenchmarkDatabase database, String slot) throws Exception {
		for (int i = 0; i < 200; i++) {
			String pid = database
				.queryString("SELECT active_pid FROM pg_replication_slots WHERE slot_name = '" + slot + "' AND active");
			if (pid != null) {
				return Integer.parseInt(pid);
			}
			Thread.sleep(50);
		}
		throw new IllegalStateException("the reader did not connect");
	}

	/** User and system clock ticks of a local process, -1 if it cannot be read (a remote server). */
	private static long ticks(int pid) {
		try {
			String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
			String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
			return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
		}
		catch (Exception ex) {
			return -1;
		}
	}

}
