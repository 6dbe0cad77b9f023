package dev.pgcdc.memory;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.pgcdc.redis.RedisTestAccess;
import dev.pgcdc.replication.ConsumerJvm;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import dev.pgcdc.test.EmbeddedRedisSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.embedded.RedisServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Production-shaped transactions in a consumer JVM with a small heap: a whole-transaction listener, a
 * filtered {@code List<ChangeEvent>} listener, a row listener and a Redis mapping on the same table all get
 * every change once, and the live heap stays within the memory budget plus a margin for the application
 * itself. Part of the fault campaign ({@code -Pfaults}): each run moves hundreds of megabytes.
 */
@Tag("faults")
class WideTransactionTests {

	/** What the application holds beyond the budget at most: Spring, Lettuce, JDBC and the listeners' sets. */
	private static final long MARGIN = 32L * 1024 * 1024;

	private static final Pattern SEEN = Pattern.compile(
			"SEEN transactions=(\\d+) evens=(\\d+) rows=(\\d+) duplicates=(\\d+) state=(\\w+) reserved=(\\d+)");

	private static final Pattern HEAP = Pattern.compile("HEAP baseline=(\\d+) highWater=(\\d+) budget=(\\d+)");

	@TempDir
	Path directory;

	private Process consumer;

	private EmbeddedRedisSupport.Server redis;

	@AfterEach
	void stop() {
		if (this.consumer != null) {
			this.consumer.destroyForcibly();
		}
		if (this.redis != null) {
			this.redis.stop();
		}
	}

	@Test
	void twoHundredThousandRowsOfOneKilobyteInOneTransactionAt192Megabytes() throws Exception {
		Result result = run("wide_1k", 200_000, 1024, "192m");
		System.out.println("200,000 x 1 KB at -Xmx192m: " + result);
	}

	@Test
	void tenThousandRowsOfTwentyKilobytesWithA32MegabyteBudget() throws Exception {
		Result result = run("wide_20k", 10_000, 20 * 1024, "256m", "cdc.memory.max-bytes=32MB");
		assertThat(result.budget()).isEqualTo(32L * 1024 * 1024);
		assertThat(result.growth()).as("heap growth").isLessThan(64L * 1024 * 1024);
		System.out.println("10,000 x 20 KB, cdc.memory.max-bytes=32MB: " + result);
	}

	@Test
	void redisDownForAMinuteWhileTwoKilobyteRowsStreamKeepsTheHeapBounded() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("wide_outage");
		database.execute("CREATE TABLE wide (id bigint PRIMARY KEY, payload text)");
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		RedisServer server = RedisTestAccess.restartableServer(port, Files.createDirectories(this.directory.resolve("redis")));
		server.start();
		Path log = this.directory.resolve("consumer.log");
		this.consumer = ConsumerJvm.start(WideTransactionApplication.class, log, "192m", database.jdbcUrl(), "wide_outage",
				Integer.toString(port), "cdc.memory.spill-directory=" + this.directory);
		try {
			await().atMost(Duration.ofMinutes(2)).until(() -> output(log).contains("STREAMING budget="));
			AtomicBoolean writing = new AtomicBoolean(true);
			AtomicInteger written = new AtomicInteger();
			Thread writer = new Thread(() -> {
				// at full speed: 100-row transactions of 2 KB rows, for as long as the test lets it
				long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
				while (writing.get() && System.nanoTime() < deadline) {
					int from = written.get() + 1;
					database.execute("INSERT INTO wide SELECT g, repeat(md5(g::text), 64) FROM generate_series(" + from
							+ ", " + (from + 99) + ") g");
					written.addAndGet(100);
				}
			}, "wide-writer");
			writer.start();
			await().atMost(Duration.ofMinutes(1)).until(() -> written.get() >= 20_000);
			server.stop();
			long stoppedAt = System.nanoTime();
			await().atMost(Duration.ofMinutes(2)).pollDelay(Duration.ofSeconds(60)).until(() -> true);
			int duringOutage = written.get();
			server.start();
			System.out.println("Redis down for " + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - stoppedAt)
					+ " s while " + duringOutage + " rows were written");
			await().atMost(Duration.ofMinutes(1)).until(() -> written.get() >= duringOutage + 10_000);
			writing.set(false);
			writer.join(60_000);
			int rows = written.get();
			await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
				assertThat(this.consumer.isAlive()).as("consumer alive; log tail: %s", tail(log)).isTrue();
				MatchResult seen = last(SEEN, output(log));
				assertThat(seen).isNotNull();
				assertThat(List.of(seen.group(1), seen.group(2), seen.group(3)))
					.containsExactly(Integer.toString(rows), Integer.toString(rows / 2), Integer.toString(rows));
			});
			await().atMost(Duration.ofMinutes(3)).until(() -> RedisTestAccess.setSize(port, "wide:ids") == rows);
			String text = output(log);
			assertThat(last(SEEN, text).group(4)).as("duplicates").isEqualTo("0");
			MatchResult heapLine = last(HEAP, text);
			Result result = new Result(Long.parseLong(heapLine.group(1)), Long.parseLong(heapLine.group(2)),
					Long.parseLong(heapLine.group(3)));
			assertThat(result.growth()).as("live heap growth over the baseline: %s", result)
				.isLessThan(result.budget() + MARGIN);
			System.out.println("Redis down 60 s, " + rows + " rows of 2 KB at -Xmx192m: " + result);
		}
		finally {
			server.stop();
		}
	}

	private Result run(String name, int rows, int rowBytes, String heap, String... properties) throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase(name);
		database.execute("CREATE TABLE wide (id bigint PRIMARY KEY, payload text)");
		this.redis = EmbeddedRedisSupport.startNew();
		Path spill = Files.createDirectories(this.directory.resolve("spill"));
		Path log = this.directory.resolve("consumer.log");
		String[] args = new String[4 + properties.length];
		args[0] = database.jdbcUrl();
		args[1] = name;
		args[2] = Integer.toString(this.redis.port());
		args[3] = "cdc.memory.spill-directory=" + spill;
		System.arraycopy(properties, 0, args, 4, properties.length);
		this.consumer = ConsumerJvm.start(WideTransactionApplication.class, log, heap, args);
		await().atMost(Duration.ofMinutes(2)).until(() -> output(log).contains("STREAMING budget="));
		// one transaction; md5 text repeated to the row size, so TOAST compression does not shrink what is sent
		int repeats = rowBytes / 32;
		database.execute("INSERT INTO wide SELECT g, repeat(md5(g::text), " + repeats + ") FROM generate_series(1, "
				+ rows + ") g");
		int evens = rows / 2;
		await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
			assertThat(this.consumer.isAlive()).as("consumer alive; log tail: %s", tail(log)).isTrue();
			MatchResult seen = last(SEEN, output(log));
			assertThat(seen).as("progress line").isNotNull();
			assertThat(List.of(seen.group(1), seen.group(2), seen.group(3)))
				.containsExactly(Integer.toString(rows), Integer.toString(evens), Integer.toString(rows));
		});
		String text = output(log);
		MatchResult seen = last(SEEN, text);
		assertThat(seen.group(4)).as("duplicates").isEqualTo("0");
		assertThat(text).doesNotContain("OutOfMemoryError");
		await().atMost(Duration.ofMinutes(2)).until(() -> RedisTestAccess.setSize(this.redis.port(), "wide:ids") == rows);
		// every holder gave its memory back: nothing leaks from the budget
		await().atMost(Duration.ofMinutes(1)).until(() -> "0".equals(last(SEEN, output(log)).group(6)));
		try (var files = Files.list(spill)) {
			assertThat(files).as("spill files left").isEmpty();
		}
		MatchResult heapLine = last(HEAP, output(log));
		Result result = new Result(Long.parseLong(heapLine.group(1)), Long.parseLong(heapLine.group(2)),
				Long.parseLong(heapLine.group(3)));
		assertThat(result.growth()).as("live heap growth over the baseline: %s", result)
			.isLessThan(result.budget() + MARGIN);
		return result;
	}

	private static MatchResult last(Pattern pattern, String text) {
		Matcher matcher = pattern.matcher(text);
		MatchResult found = null;
		while (matcher.find()) {
			found = matcher.toMatchResult();
		}
		return found;
	}

	private static String output(Path log) throws IOException {
		return Files.exists(log) ? Files.readString(log) : "";
	}

	private static String tail(Path log) throws IOException {
		String text = output(log);
		return text.substring(Math.max(0, text.length() - 3000));
	}

	record Result(long baseline, long highWater, long budget) {

		long growth() {
			return this.highWater - this.baseline;
		}

		@Override
		public String toString() {
			return "live heap baseline " + mb(this.baseline) + ", high-water " + mb(this.highWater) + ", growth "
					+ mb(growth()) + ", budget " + mb(this.budget);
		}

		private static String mb(long bytes) {
			return String.format("%.1f MB", bytes / 1048576.0);
		}

	}

}
