package dev.pgcdc.replication;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pgcdc.event.Lsn;
import dev.pgcdc.replication.FaultLedger.Outcome;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The fault-injection campaign of the at-least-once guarantee (design.md section 7): a consuming application
 * in its own JVM ({@link LedgerConsumerProcess}) streams a mixed workload ({@link FaultWorkload}) while the
 * campaign kills it, shuts the server down, cuts the replication connection, makes listeners fail, pauses
 * and resumes it in storms, and lets a standby take over. After each fault type every committed change must
 * have been delivered, in commit order within each consumer run, with duplicates only after a consumer
 * ended (crash, failure, takeover) and only of transactions past the slot's confirmed position.
 *
 * <p>Runs with {@code ./mvnw -pl cdc-spring-boot-autoconfigure test -Pfaults} (and in {@code .ci/run}), not in
 * the default build. Writes {@code target/fault-report.md} and prints it.
 */
@Tag("faults")
class FaultInjectionCampaignTests {

	private static final int TRANSACTIONS_PER_SECOND = 50;

	private static final Duration DRAIN = Duration.ofMinutes(3);

	private static final List<String> REPORT = new CopyOnWriteArrayList<>();

	@TempDir
	static Path dir;

	static FaultServer server;

	private final Random random = new Random(20261122);

	@BeforeAll
	static void startServer() throws Exception {
		server = new FaultServer(dir.resolve("pgdata"));
	}

	@AfterAll
	static void report() throws Exception {
		server.close();
		StringBuilder text = new StringBuilder("""
				# Fault-injection campaign

				Every row passed: nothing lost, nothing delivered that was not committed, commit order kept within each
				consumer run, duplicates only after a consumer ended and only of transactions past the slot's confirmed
				position at that moment.

				| fault | injected | committed transactions | committed changes | deliveries | lost | duplicates (changes / transactions) | redelivered although confirmed | order violations | notes |
				| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
				""");
		REPORT.forEach((row) -> text.append(row).append('\n'));
		Path target = Path.of("target");
		Files.createDirectories(target);
		Files.writeString(target.resolve("fault-report.md"), text);
		System.out.println(text);
	}

	@Test
	void consumerKilledWithSigkillAtRandomPoints() throws Exception {
		campaign("sigkill", (campaign) -> {
			Process consumer = campaign.begin();
			for (int kill = 0; kill < 10; kill++) {
				campaign.awaitProgress(consumer);
				campaign.ended(consumer, true);
				consumer = campaign.startConsumer("STREAMING");
			}
			campaign.finish("SIGKILL of the consumer JVM", 10, true, "");
		});
	}

	@Test
	void serverShutDownFastAndImmediate() throws Exception {
		campaign("shutdown", (campaign) -> {
			Process consumer = campaign.begin();
			for (String mode : List.of("fast", "immediate", "fast", "immediate", "fast", "immediate")) {
				campaign.awaitProgress(consumer);
				server.restart(mode, 500);
			}
			campaign.finish("PostgreSQL shutdown, fast (SIGINT) x3 and immediate (SIGQUIT) x3, then restart", 6, false,
					"workload transactions failed by the outages: " + campaign.workload.failed());
		});
	}

	@Test
	void replicationConnectionTerminated() throws Exception {
		campaign("walsender", (campaign) -> {
			Process consumer = campaign.begin();
			for (int cut = 0; cut < 10; cut++) {
				if (cut % 2 == 0) {
					campaign.awaitProgress(consumer);
				}
				else {
					// half of the cuts land while the listener is in the middle of a large transaction
					campaign.awaitMidTransaction(consumer);
				}
				await().atMost(Duration.ofSeconds(30)).until(campaign::terminateWalsender);
			}
			campaign.finish("replication connection cut (pg_terminate_backend of the walsender)", 10, false,
					"5 of them in the middle of a transaction the listener had partly received");
		});
	}

	@Test
	void listenersFailAtRandom() throws Exception {
		campaign("failures", (campaign) -> {
			String[] options = { "retry=0.001", "crash=0.0001" };
			Process consumer = campaign.begin(options);
			int stops = 0;
			long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
			while (stops < 3 && System.nanoTime() < deadline) {
				campaign.awaitProgress(consumer);
				if (!consumer.isAlive()) {
					assertThat(consumer.exitValue()).as("a listener failure the handler gave up on stops the engine")
						.isEqualTo(3);
					campaign.ended(consumer, false);
					stops++;
					consumer = campaign.startConsumer("STREAMING", options);
				}
			}
			// the rest is drained by a consumer whose listener no longer fails: the last failing one is stopped
			campaign.ended(consumer, true);
			campaign.startConsumer("STREAMING");
			Outcome outcome = campaign.finish("listener exceptions at random (retried, or stopping the engine)",
					campaign.logCount("INJECTED"), true, stops + " of them stopped the engine (exit, restart); then "
							+ "SIGKILL and a consumer without failures drained the rest");
			assertThat(campaign.logCount("INJECTED")).isPositive();
			assertThat(outcome.deliveries()).isPositive();
		});
	}

	@Test
	void pauseResumeStorm() throws Exception {
		campaign("storm", (campaign) -> {
			Process consumer = campaign.begin("storm");
			for (int i = 0; i < 8; i++) {
				campaign.awaitProgress(consumer);
			}
			long toggles = campaign.logCount("STORM") * 100;
			campaign.finish("pause/resume storm (a toggle every 2-40 ms)", toggles, false, "");
			assertThat(toggles).isPositive();
		});
	}

	@Test
	void standbyTakesOver() throws Exception {
		campaign("standby", (campaign) -> {
			Process active = campaign.begin();
			Process standby = campaign.startConsumer("STANDBY");
			List<Long> takeoverMillis = new ArrayList<>();
			for (int takeover = 0; takeover < 3; takeover++) {
				campaign.awaitProgress(active);
				campaign.ended(active, true);
				long killed = System.nanoTime();
				Path standbyLog = campaign.logs.get(campaign.logs.size() - 1);
				ConsumerJvm.awaitOutput(standbyLog, "STATE STREAMING");
				takeoverMillis.add((System.nanoTime() - killed) / 1_000_000);
				active = standby;
				standby = campaign.startConsumer("STANDBY");
			}
			campaign.finish("standby takeover (active consumer SIGKILLed, standby on the same slot)", 3, true,
					"takeover after the kill (ms): " + takeoverMillis);
		});
	}

	@Test
	void primaryFailoverToASynchronizedStandby() throws Exception {
		try (FailoverPair pair = new FailoverPair(dir.resolve("failover"))) {
			TestDatabase database = pair.createDatabase("faults_failover");
			try (Campaign campaign = new Campaign("failover", database, pair.url(database.name()))) {
				Process consumer = campaign.begin();
				List<Long> syncMillis = new ArrayList<>();
				List<Long> behindBytes = new ArrayList<>();
				for (int failover = 0; failover < 3; failover++) {
					campaign.awaitProgress(consumer);
					syncMillis.add(awaitSynchronized(pair, campaign));
					Lsn primaryConfirmed = Lsn.parse(campaign.database.confirmedFlush(campaign.slot));
					long synced = pair.synchronizedPosition(database.name(), campaign.slot);
					behindBytes.add(Math.max(0, primaryConfirmed.value() - synced));
					pair.failover();
					campaign.switchTo(pair.primaryDatabase(database.name()));
					// the slot is on the new primary, and the consumer streams it there
					await().atMost(Duration.ofSeconds(60)).until(() -> slotActive(campaign));
					pair.rebuildStandby();
					campaign.awaitProgress(consumer);
				}
				assertThat(consumer.isAlive()).as("the consumer streamed on through every failover").isTrue();
				campaign.finish("primary failover (kill -QUIT of the primary's postmaster as pg_ctl stop -m immediate, "
						+ "standby promoted, standby rebuilt), PostgreSQL 17 failover slot", 3, false,
						"slot synchronization caught up with the primary's confirmed position in (ms): " + syncMillis
								+ "; synchronized slot behind the primary's at the kill (bytes): " + behindBytes
								+ "; workload transactions failed by the outages: " + campaign.workload.failed());
			}
		}
	}

	/**
	 * Wait until the standby's copy of the slot is sync-ready and has reached the primary's confirmed position
	 * of the moment; return how long that took. Checkpoints move a new slot's catalog horizon along.
	 */
	private static long awaitSynchronized(FailoverPair pair, Campaign campaign) throws Exception {
		long target = Lsn.parse(campaign.database.confirmedFlush(campaign.slot)).value();
		long start = System.nanoTime();
		await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> {
			Long synced = pair.synchronizedPosition(campaign.database.name(), campaign.slot);
			if (synced == null && (System.nanoTime() - start) % 2_000_000_000L < 100_000_000L) {
				pair.checkpoint();
			}
			return synced != null && synced >= target;
		});
		return (System.nanoTime() - start) / 1_000_000;
	}

	private static boolean slotActive(Campaign campaign) throws Exception {
		try (Connection connection = campaign.database.connect(); PreparedStatement statement = connection
			.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, campaign.slot);
			try (ResultSet rs = statement.executeQuery()) {
				return rs.next() && rs.getBoolean(1);
			}
		}
	}

	private void campaign(String name, Scenario scenario) throws Exception {
		try (Campaign campaign = new Campaign(name)) {
			scenario.run(campaign);
		}
	}

	/** The faults of one fault type, injected into a running campaign. */
	@FunctionalInterface
	private interface Scenario {

		void run(Campaign campaign) throws Exception;

	}

	/**
	 * One fault type's run: a database of the fault server, its workload, and the consumer processes started
	 * one after the other on one slot.
	 */
	private final class Campaign implements AutoCloseable {

		private final String name;

		private TestDatabase database;

		private final String url;

		private final String slot;

		private final FaultWorkload workload;

		private final List<Process> processes = new ArrayList<>();

		private final List<Path> ledgers = new ArrayList<>();

		private final List<Path> logs = new ArrayList<>();

		private final List<Long> confirmedAtEnd = new ArrayList<>();

		Campaign(String name) {
			this(name, server.createDatabase("faults_" + name), null);
		}

		/** A campaign on a database of another server, reached with the given URL (a multi-host one). */
		Campaign(String name, TestDatabase database, String url) {
			this.name = name;
			this.database = database;
			this.url = (url != null) ? url : database.jdbcUrl();
			this.slot = "faults_" + name;
			FaultWorkload.createSchema(this.database);
			this.workload = new FaultWorkload(this.url, FaultInjectionCampaignTests.this.random.nextLong(),
					TRANSACTIONS_PER_SECOND);
		}

		/** After a failover: the same database on the new primary. */
		void switchTo(TestDatabase primary) {
			this.database = primary;
		}

		/** Start the first consumer, streaming, then the workload. */
		Process begin(String... options) throws Exception {
			Process consumer = startConsumer("STREAMING", options);
			this.workload.start();
			return consumer;
		}

		Process startConsumer(String expectedState, String... options) throws Exception {
			int run = this.processes.size() + 1;
			Path ledger = dir.resolve(this.name + "-" + run + ".ledger");
			Path log = dir.resolve(this.name + "-" + run + ".log");
			List<String> args = new ArrayList<>(List.of(this.url, this.slot, FaultWorkload.TABLES,
					ledger.toString(), "seed=" + FaultInjectionCampaignTests.this.random.nextLong()));
			args.addAll(List.of(options));
			Process process = ConsumerJvm.start(LedgerConsumerProcess.class, log, "256m", args.toArray(String[]::new));
			this.processes.add(process);
			this.ledgers.add(ledger);
			this.logs.add(log);
			ConsumerJvm.awaitOutput(log, "STATE " + expectedState);
			return process;
		}

		/**
		 * Wait until a consumer's ledger has grown by a random amount (or it ended by itself): the random point
		 * of the next fault.
		 */
		void awaitProgress(Process process) throws Exception {
			Path ledger = this.ledgers.get(this.processes.indexOf(process));
			long target = size(ledger) + 20_000 + FaultInjectionCampaignTests.this.random.nextInt(400_000);
			await().atMost(Duration.ofSeconds(90)).until(() -> size(ledger) >= target || !process.isAlive());
		}

		/**
		 * Wait until a consumer has received at least 500 changes of a transaction whose end it has not seen.
		 */
		void awaitMidTransaction(Process process) {
			Path ledger = this.ledgers.get(this.processes.indexOf(process));
			await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
				.until(() -> openTransactionChanges(ledger) >= 500);
		}

		/** The changes written after the last transaction end, from the file's last 64 kB. */
		private static int openTransactionChanges(Path ledger) throws Exception {
			try (RandomAccessFile file = new RandomAccessFile(ledger.toFile(), "r")) {
				long from = Math.max(0, file.length() - 65_536);
				byte[] tail = new byte[(int) (file.length() - from)];
				file.seek(from);
				file.readFully(tail);
				String text = new String(tail, StandardCharsets.US_ASCII);
				String[] lines = text.substring(0, text.lastIndexOf('\n') + 1).split("\n");
				int open = 0;
				for (int i = lines.length - 1; i >= 0 && lines[i].startsWith("E "); i--) {
					open++;
				}
				return open;
			}
		}

		/** A consumer ended (killed here, or stopped by itself): note where the slot stands. */
		void ended(Process process, boolean kill) throws Exception {
			if (kill) {
				process.destroyForcibly();
			}
			process.waitFor();
			String confirmed = this.database.confirmedFlush(this.slot);
			this.confirmedAtEnd.add(Lsn.parse(confirmed).value());
		}

		boolean terminateWalsender() throws Exception {
			try (Connection connection = this.database.connect(); PreparedStatement statement = connection
				.prepareStatement("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = ? AND active")) {
				statement.setString(1, this.slot);
				try (ResultSet rs = statement.executeQuery()) {
					return rs.next() && rs.getBoolean(1);
				}
			}
		}

		long logCount(String prefix) throws Exception {
			long count = 0;
			for (Path log : this.logs) {
				count += Files.readAllLines(log).stream().filter((line) -> line.startsWith(prefix)).count();
			}
			return count;
		}

		/**
		 * Stop the workload, let the consumers deliver everything committed, and check and report the run.
		 * @param crashes whether consumers ended during the run (only then may anything be delivered twice)
		 */
		Outcome finish(String fault, long injected, boolean crashes, String notes) throws Exception {
			this.workload.stop();
			await().atMost(DRAIN).pollInterval(Duration.ofSeconds(1))
				.until(() -> FaultLedger.allDelivered(this.database, this.ledgers));
			close();
			Outcome outcome = FaultLedger.read(this.database).check(this.ledgers, this.confirmedAtEnd);
			REPORT.add(String.format("| %s | %d | %,d | %,d | %,d | %d | %,d / %d | %d | %d | %s |", fault, injected,
					outcome.committedTransactions(), outcome.committedChanges(), outcome.deliveries(), outcome.lost(),
					outcome.duplicates(), outcome.duplicateTransactions(), outcome.redeliveredConfirmed(),
					outcome.orderViolations(), notes));
			assertThat(outcome.lost()).as("lost changes, e.g. %s", outcome.lostSample()).isZero();
			assertThat(outcome.phantoms()).as("delivered changes that were never committed").isZero();
			assertThat(outcome.orderViolations()).as("changes delivered out of commit order").isZero();
			assertThat(outcome.duplicatesWithinRun()).as("changes one consumer run delivered twice").isZero();
			assertThat(outcome.redeliveredConfirmed()).as("transactions delivered again after being confirmed").isZero();
			if (!crashes) {
				assertThat(outcome.duplicates()).as("duplicates without a consumer crash").isZero();
			}
			return outcome;
		}

		/** Whatever happened: no writer and no consumer outlives the test. */
		@Override
		public void close() throws InterruptedException {
			this.workload.stop();
			for (Process process : this.processes) {
				process.destroyForcibly().waitFor();
			}
		}

		private static long size(Path file) throws Exception {
			return Files.exists(file) ? Files.size(file) : 0;
		}

	}

}
