package dev.pgcdc.rabbit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.pgcdc.replication.ConsumerJvm;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import dev.pgcdc.test.EmbeddedRabbitSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The broker stopped for 30 seconds while 2 KB rows stream at full speed, in a consumer JVM with a small
 * heap: the sink's backlog fills the engine's memory budget ({@code cdc.memory.max-bytes}) and no more, the
 * live heap stays within the budget plus a margin for the application itself, and after the restart every
 * change reaches the queue. Part of the fault campaign ({@code -Pfaults}): it moves a few hundred megabytes.
 */
@Tag("faults")
class RabbitMemoryTests {

	/** What the application holds beyond the budget at most: Spring, the AMQP client, JDBC. */
	private static final long MARGIN = 32L * 1024 * 1024;

	private static final int MAX_ROWS = 60_000;

	private static final Pattern RABBIT = Pattern.compile(
			"RABBIT state=(\\w+) backlog=(\\d+) backlogBytes=(\\d+) confirmed=(\\d+) reserved=(\\d+) reservedHighWater=(\\d+)");

	private static final Pattern HEAP = Pattern.compile("HEAP baseline=(\\d+) highWater=(\\d+) budget=(\\d+)");

	@TempDir
	Path directory;

	private Process consumer;

	@AfterEach
	void stop() {
		if (this.consumer != null) {
			this.consumer.destroyForcibly();
		}
	}

	@Test
	void brokerDownForThirtySecondsWhileTwoKilobyteRowsStreamKeepsTheHeapInTheBudget() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("rabbit_memory");
		database.execute("CREATE TABLE wide (id bigint PRIMARY KEY, payload text)");
		try (EmbeddedRabbitSupport.Node rabbit = EmbeddedRabbitSupport.startNew("memory")) {
			Path log = this.directory.resolve("consumer.log");
			this.consumer = ConsumerJvm.start(RabbitMemoryApplication.class, log, "192m", database.jdbcUrl(),
					"rabbit_memory", Integer.toString(rabbit.port()),
					"cdc.memory.spill-directory=" + Files.createDirectories(this.directory.resolve("spill")));
			await().atMost(Duration.ofMinutes(2)).until(() -> output(log).contains("STREAMING budget="));
			AtomicBoolean writing = new AtomicBoolean(true);
			AtomicInteger written = new AtomicInteger();
			Thread writer = new Thread(() -> {
				// at full speed: 100-row transactions of 2 KB rows, up to MAX_ROWS
				while (writing.get() && written.get() < MAX_ROWS) {
					int from = written.get() + 1;
					database.execute("INSERT INTO wide SELECT g, repeat(md5(g::text), 64) FROM generate_series(" + from
							+ ", " + (from + 99) + ") g");
					written.addAndGet(100);
				}
			}, "wide-writer");
			writer.start();
			await().atMost(Duration.ofMinutes(1)).until(() -> written.get() >= 10_000);
			rabbit.stop();
			long stoppedAt = System.nanoTime();
			// the outage: 30 s without a broker while PostgreSQL keeps committing
			await().pollDelay(Duration.ofSeconds(30)).atMost(Duration.ofSeconds(31)).until(() -> true);
			MatchResult down = last(RABBIT, output(log));
			int duringOutage = written.get();
			rabbit.start();
			System.out.println("RabbitMQ down for " + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - stoppedAt)
					+ " s while " + duringOutage + " rows were written; at its end: " + down.group());
			long budget = Long.parseLong(last(HEAP, output(log)).group(3));
			assertThat(down.group(1)).as("sink state at the outage's end").isEqualTo("RETRYING");
			assertThat(most(RABBIT, output(log), 3)).as("the sink's backlog fills the budget, no more")
				.isGreaterThan(budget / 4)
				.isLessThanOrEqualTo(budget);
			Set<String> ids = ConcurrentHashMap.newKeySet();
			try (Connection connection = rabbit.clientFactory().newConnection();
					Channel channel = connection.createChannel()) {
				channel.basicConsume("wide.all", true,
						(tag, delivery) -> ids.add(delivery.getProperties().getMessageId()), (tag) -> {
						});
				writing.set(false);
				writer.join(60_000);
				int rows = written.get();
				await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
					assertThat(this.consumer.isAlive()).as("consumer alive; log tail: %s", tail(log)).isTrue();
					MatchResult state = last(RABBIT, output(log));
					assertThat(Long.parseLong(state.group(4))).as("confirmed messages").isGreaterThanOrEqualTo(rows);
					assertThat(state.group(3)).as("backlog bytes").isEqualTo("0");
				});
				await().atMost(Duration.ofMinutes(2)).until(() -> ids.size() == rows);
			}
			String text = output(log);
			assertThat(text).doesNotContain("OutOfMemoryError");
			MatchResult heapLine = last(HEAP, text);
			long baseline = Long.parseLong(heapLine.group(1));
			long highWater = Long.parseLong(heapLine.group(2));
			long reservedHighWater = Long.parseLong(last(RABBIT, text).group(6));
			assertThat(most(RABBIT, text, 3)).as("the sink's backlog over the whole run").isLessThanOrEqualTo(budget);
			System.out.printf("RabbitMQ down 30 s, %d rows of 2 KB at -Xmx192m: live heap baseline %.1f MB, high-water "
					+ "%.1f MB, growth %.1f MB, budget %.1f MB (reserved at most %.1f MB)%n", written.get(), mb(baseline),
					mb(highWater), mb(highWater - baseline), mb(budget), mb(reservedHighWater));
			assertThat(highWater - baseline).as("live heap growth over the baseline").isLessThan(budget + MARGIN);
		}
	}

	/** The largest value of a group over every line the pattern matches. */
	private static long most(Pattern pattern, String text, int group) {
		Matcher matcher = pattern.matcher(text);
		long most = 0;
		while (matcher.find()) {
			most = Math.max(most, Long.parseLong(matcher.group(group)));
		}
		return most;
	}

	private static double mb(long bytes) {
		return bytes / 1048576.0;
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

}
