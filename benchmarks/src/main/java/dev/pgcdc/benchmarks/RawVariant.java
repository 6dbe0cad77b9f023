package dev.pgcdc.benchmarks;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.fluent.logical.ChainedLogicalStreamBuilder;

/**
 * The transport ceiling: the pgjdbc replication stream drained with no decoding at all. Each message is
 * classified by its first byte only; a commit's end position is confirmed as flushed, as a real client
 * would, and pgjdbc reports it at the status interval.
 */
final class RawVariant {

	private static final byte INSERT = 'I';

	private static final byte COMMIT = 'C';

	/** Commit: type (1), flags (1), commit LSN (8), end LSN (8), timestamp (8). */
	private static final int COMMIT_END_LSN_OFFSET = 10;

	private final BenchmarkDatabase database;

	private final String variant;

	private final boolean binary;

	/** 0, or how many messages are read between pauses (experiment {@code raw-coalesced}). */
	private final int pauseEvery;

	private final long pauseNanos;

	RawVariant(BenchmarkDatabase database) {
		this(database, Options.RAW);
	}

	/**
	 * @param variant {@code raw}; {@code raw-binary}, where the server sends values in their binary send
	 * format ({@code binary = true}): what it costs the walsender, not what decoding costs; or
	 * {@code raw-coalesced}, which lets messages pile up in the socket: what fewer, larger writes save the
	 * walsender
	 */
	RawVariant(BenchmarkDatabase database, String variant) {
		this.database = database;
		this.variant = variant;
		this.binary = Options.RAW_BINARY.equals(variant);
		this.pauseEvery = Options.RAW_COALESCED.equals(variant) ? Integer.getInteger("bench.raw.pause-every", 32) : 0;
		this.pauseNanos = TimeUnit.MICROSECONDS.toNanos(Long.getLong("bench.raw.pause-micros", 100));
	}

	Result run(String slot, long rows, long timeoutMillis) throws Exception {
		Measurement measurement = new Measurement(this.database, slot, rows);
		Progress progress = measurement.progress();
		AtomicReference<Connection> connection = new AtomicReference<>();
		AtomicReference<Throwable> failure = new AtomicReference<>();
		Thread reader = new Thread(() -> {
			try {
				drain(slot, progress, connection);
			}
			catch (Throwable ex) {
				if (!progress.isComplete()) {
					failure.set(ex);
				}
			}
		}, "raw-reader-" + slot);
		reader.setDaemon(true);
		reader.start();
		String problem = measurement.await(timeoutMillis,
				() -> (failure.get() != null) ? "failed: " + failure.get() : !reader.isAlive() ? "reader ended" : null);
		if (problem == null) {
			reader.join(30_000);
		}
		if (reader.isAlive()) {
			Connection open = connection.get();
			if (open != null) {
				open.abort(Runnable::run);
			}
			reader.join(5_000);
		}
		return measurement.result(this.variant, (problem != null) ? problem : "");
	}

	private void drain(String slot, Progress progress, AtomicReference<Connection> holder) throws SQLException {
		try (Connection connection = this.database.connectForReplication()) {
			holder.set(connection);
			ChainedLogicalStreamBuilder builder = connection.unwrap(PGConnection.class)
				.getReplicationAPI()
				.replicationStream()
				.logical()
				.withSlotName(slot)
				.withSlotOption("proto_version", 1)
				.withSlotOption("publication_names", W1Workload.PUBLICATION)
				.withSlotOption("messages", true);
			if (this.binary) {
				// an option older servers reject, so only sent when asked for
				builder.withSlotOption("binary", true);
			}
			PGReplicationStream stream = builder.withStatusInterval(10, TimeUnit.SECONDS)
				.withAutomaticFlush(false)
				.start();
			long expected = progress.expected();
			long counted = 0;
			int sincePause = 0;
			while (counted < expected) {
				ByteBuffer buffer = stream.read();
				if (buffer == null) {
					continue;
				}
				// the pause lets the server's messages pile up in the socket: fewer, larger writes and reads
				if (this.pauseEvery > 0 && ++sincePause >= this.pauseEvery) {
					sincePause = 0;
					LockSupport.parkNanos(this.pauseNanos);
				}
				// the buffer is a slice of pgjdbc's receive buffer: its data starts at position(), not 0
				byte type = buffer.get(buffer.position());
				if (type == INSERT) {
					counted++;
					progress.arrived();
				}
				else if (type == COMMIT) {
					LogSequenceNumber end = LogSequenceNumber
						.valueOf(buffer.getLong(buffer.position() + COMMIT_END_LSN_OFFSET));
					stream.setFlushedLSN(end);
					stream.setAppliedLSN(end);
				}
			}
			stream.forceUpdateStatus();
			stream.close();
		}
		finally {
			holder.set(null);
		}
	}

}
