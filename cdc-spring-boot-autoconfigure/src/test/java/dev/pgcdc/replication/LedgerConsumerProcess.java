package dev.pgcdc.replication;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.ValueConverter;

/**
 * The consuming application of the fault-injection campaign, in its own JVM so that the campaign can kill
 * it with SIGKILL, run two of them on one slot, or let it stop itself.
 *
 * <p>Arguments: JDBC URL, slot (also the publication), comma-separated tables, ledger file, then options:
 * {@code retry=P} (a change fails with probability P and the error handler calls the consumer again until
 * it succeeds), {@code crash=P} (a change fails with probability P and the error handler gives up, which
 * stops the engine; the process then exits with status 3), {@code storm} (pause and resume the engine
 * every few milliseconds), {@code seed=N}.
 *
 * <p>The ledger gets one line per change as it is delivered, {@code E xid table op id}, and one at the end of
 * each transaction, {@code C xid endLsn}, each with an unbuffered write before the engine may confirm the
 * transaction: the file holds exactly what this process handled, the way a listener of single changes
 * handles it (a change delivered twice shows twice).
 * State changes are printed ({@code STATE STREAMING}), and every injected failure ({@code INJECTED}).
 */
public final class LedgerConsumerProcess {

	private LedgerConsumerProcess() {
	}

	public static void main(String[] args) throws Exception {
		List<String> options = Arrays.asList(args).subList(4, args.length);
		Random random = new Random(Long.parseLong(option(options, "seed", "1")));
		double retry = Double.parseDouble(option(options, "retry", "0"));
		double crash = Double.parseDouble(option(options, "crash", "0"));
		Ledger ledger = new Ledger(args[3], random, retry + crash);
		ReplicationSettings settings = ReplicationSettings
			.builder(new ConnectionSettings(args[0], "postgres", "postgres"), args[1], args[1])
			.tables(List.of(args[2].split(",")))
			.statusInterval(Duration.ofMillis(500))
			.heartbeatInterval(Duration.ofSeconds(5))
			.reconnect(Duration.ofMillis(200), Duration.ofSeconds(2))
			.build();
		ReplicationEngine engine = new ReplicationEngine(settings, List.of(ledger), (consumer, item, failure) -> {
			// a retried failure stands for a listener that succeeds on a later attempt; a crash for one that gives up
			if (crash > 0 && random.nextDouble() < crash / (retry + crash)) {
				throw failure;
			}
			while (true) {
				try {
					ledger.onChange((ChangeEvent) item);
					return;
				}
				catch (InjectedFailure again) {
					// the next attempt may fail as well
				}
			}
		}, ValueConverter.simple());
		engine.start();
		if (options.contains("storm")) {
			Thread storm = new Thread(() -> storm(engine, new Random(random.nextLong())), "pause-resume-storm");
			storm.setDaemon(true);
			storm.start();
		}
		EngineState printed = null;
		while (true) {
			EngineState state = engine.state();
			if (state == EngineState.PAUSED) {
				state = EngineState.STREAMING; // a storm's pauses are not news
			}
			if (state != printed) {
				System.out.println("STATE " + state);
				printed = state;
			}
			if (state == EngineState.FAILED) {
				System.out.println("FAILED: " + engine.lastError());
				System.exit(3);
			}
			TimeUnit.MILLISECONDS.sleep(20);
		}
	}

	private static void storm(ReplicationEngine engine, Random random) {
		long toggles = 0;
		while (true) {
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2 + random.nextInt(40)));
			if (engine.isPaused()) {
				engine.resume();
			}
			else {
				engine.pause();
			}
			if (++toggles % 100 == 0) {
				System.out.println("STORM " + toggles);
			}
		}
	}

	private static String option(List<String> options, String name, String defaultValue) {
		return options.stream()
			.filter((option) -> option.startsWith(name + "="))
			.map((option) -> option.substring(name.length() + 1))
			.findFirst()
			.orElse(defaultValue);
	}

	/** Thrown by the consumer on purpose. */
	static final class InjectedFailure extends RuntimeException {

		private static final long serialVersionUID = 1L;

		InjectedFailure() {
			super("injected listener failure", null, false, false);
		}

	}

	/**
	 * Writes each change as it is delivered, as a listener of single changes acts on it, and the end of each
	 * transaction when it commits.
	 */
	private static final class Ledger implements ChangeConsumer {

		private final OutputStream out;

		private final Random random;

		private final double failure;

		private boolean changed;

		Ledger(String file, Random random, double failure) throws IOException {
			this.out = new FileOutputStream(file, true);
			this.random = random;
			this.failure = failure;
		}

		@Override
		public void onChange(ChangeEvent event) throws IOException {
			if (this.failure > 0 && this.random.nextDouble() < this.failure) {
				System.out.println("INJECTED");
				throw new InjectedFailure();
			}
			Object id = (event.row() != null) ? event.row().get("id") : 0;
			write("E " + event.xid() + " " + event.table().name() + " " + event.operation().name().charAt(0) + " " + id);
			this.changed = true;
		}

		@Override
		public void onCommit(TransactionCommit commit) throws IOException {
			if (this.changed) {
				write("C " + commit.xid() + " " + commit.endLsn().value());
				this.changed = false;
			}
		}

		@Override
		public void onReset() {
			// what was written was handled: a listener cannot take it back either
			this.changed = false;
		}

		private void write(String line) throws IOException {
			this.out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
		}

	}

}
