package dev.pgcdc.replication;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.ValueConverter;

/**
 * A consuming application in its own JVM, so that tests can kill it with SIGKILL or give it a small heap.
 *
 * <p>Arguments: JDBC URL, slot (also the publication), table, output file, mode. Mode {@code ids} appends
 * the {@code id} of every delivered row to the output file with an unbuffered write, so the file holds
 * exactly what was handled before the transaction could be acknowledged. Mode {@code count} keeps the
 * number of delivered rows in the output file.
 */
public final class ConsumerProcess {

	private ConsumerProcess() {
	}

	public static void main(String[] args) throws Exception {
		String url = args[0];
		String slot = args[1];
		String table = args[2];
		Path output = Path.of(args[3]);
		boolean countOnly = "count".equals(args[4]);
		ChangeConsumer consumer = countOnly ? new Counter(output) : new IdLedger(output);
		SnapshotMode snapshot = (args.length > 5) ? SnapshotMode.valueOf(args[5]) : SnapshotMode.NEVER;
		ReplicationSettings settings = ReplicationSettings.builder(new ConnectionSettings(url, "postgres", "postgres"), slot, slot)
			.tables(List.of(table))
			.statusInterval(Duration.ofMillis(500))
			.heartbeatInterval(Duration.ofSeconds(5))
			.snapshot(snapshot, 1_000)
			.build();
		ReplicationEngine engine = new ReplicationEngine(settings, List.of(consumer), (c, item, failure) -> {
			throw failure;
		}, ValueConverter.simple());
		engine.start();
		System.out.println("STREAMING");
		new CountDownLatch(1).await();
	}

	private static final class IdLedger implements ChangeConsumer {

		private final OutputStream out;

		IdLedger(Path output) throws IOException {
			this.out = new FileOutputStream(output.toFile(), true);
		}

		@Override
		public void onChange(ChangeEvent event) throws IOException {
			this.out.write((event.row().get("id") + "\n").getBytes(StandardCharsets.US_ASCII));
		}

	}

	private static final class Counter implements ChangeConsumer {

		private final Path output;

		private final AtomicLong count = new AtomicLong();

		Counter(Path output) {
			this.output = output;
		}

		@Override
		public void onChange(ChangeEvent event) throws IOException {
			event.row().get("id");
			long n = this.count.incrementAndGet();
			if (n % 50_000 == 0) {
				write(n);
			}
		}

		@Override
		public boolean wantsTransactions() {
			return false;
		}

		private void write(long n) throws IOException {
			Path tmp = this.output.resolveSibling(this.output.getFileName() + ".tmp");
			Files.writeString(tmp, Long.toString(n));
			Files.move(tmp, this.output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		}

	}

}
