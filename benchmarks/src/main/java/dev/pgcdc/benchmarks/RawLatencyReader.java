package dev.pgcdc.benchmarks;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * The reference of the latency benchmarks: the bare pgjdbc replication stream timing each commit message
 * against the commit timestamp it carries, with no decoding beyond that. What this reader sees is the
 * server's and the machine's own latency (WAL flushes, the walsender's wake-ups, scheduling on shared
 * cores); pgcdc's figure is read against it.
 *
 * <p>Call {@link #start()} once the slot exists, write, then {@link #await(long)} the expected commits.
 */
final class RawLatencyReader {

	/** pgoutput's Commit: type byte, flags byte, commit LSN, end LSN, then the commit timestamp. */
	private static final int COMMIT_END_LSN_OFFSET = 10;

	private static final int COMMIT_TIME_OFFSET = 18;

	/** 2000-01-01T00:00:00Z, PostgreSQL's epoch, in microseconds since 1970. */
	private static final long POSTGRES_EPOCH_MICROS = 946_684_800_000_000L;

	private final BenchmarkDatabase database;

	private final String slot;

	private final String publication;

	private final long[] latencies;

	private final AtomicInteger received = new AtomicInteger();

	private final AtomicReference<Throwable> failure = new AtomicReference<>();

	private Thread thread;

	RawLatencyReader(BenchmarkDatabase database, String slot, String publication, int commits) {
		this.database = database;
		this.slot = slot;
		this.publication = publication;
		this.latencies = new long[commits];
	}

	void start() {
		this.thread = new Thread(this::read, "raw-latency-reader");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	/** Wait until every commit arrived or the time is up; returns whether all arrived. */
	boolean await(long timeoutMillis) throws InterruptedException {
		this.thread.join(timeoutMillis);
		if (this.failure.get() != null) {
			throw new IllegalStateException("The raw latency reader failed", this.failure.get());
		}
		return this.received.get() == this.latencies.length;
	}

	/** Nanoseconds from commit to arrival, in commit order. */
	long[] latencies() {
		return this.latencies;
	}

	int received() {
		return this.received.get();
	}

	private void read() {
		try (Connection connection = this.database.connectForReplication()) {
			PGReplicationStream stream = connection.unwrap(PGConnection.class)
				.getReplicationAPI()
				.replicationStream()
				.logical()
				.withSlotName(this.slot)
				.withSlotOption("proto_version", 1)
				.withSlotOption("publication_names", this.publication)
				.withStatusInterval(10, TimeUnit.SECONDS)
				.withAutomaticFlush(false)
				.start();
			int count = 0;
			while (count < this.latencies.length) {
				ByteBuffer buffer = stream.read();
				if (buffer == null) {
					continue;
				}
				// a slice of pgjdbc's receive buffer: its data starts at position()
				int at = buffer.position();
				if (buffer.get(at) != 'C') {
					continue;
				}
				Instant now = Instant.now();
				long nowMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
				long committedMicros = buffer.getLong(at + COMMIT_TIME_OFFSET) + POSTGRES_EPOCH_MICROS;
				this.latencies[count++] = (nowMicros - committedMicros) * 1_000;
				this.received.incrementAndGet();
				LogSequenceNumber end = LogSequenceNumber.valueOf(buffer.getLong(at + COMMIT_END_LSN_OFFSET));
				stream.setFlushedLSN(end);
				stream.setAppliedLSN(end);
			}
			stream.forceUpdateStatus();
			stream.close();
		}
		catch (SQLException | RuntimeException ex) {
			this.failure.set(ex);
		}
	}

}
