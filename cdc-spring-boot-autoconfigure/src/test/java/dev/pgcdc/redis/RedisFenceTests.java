package dev.pgcdc.redis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Row;
import dev.pgcdc.event.TableId;
import dev.pgcdc.replication.TransactionCommit;
import dev.pgcdc.test.EmbeddedRedisSupport;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * The exactly-once fence is a compare-and-set in Redis: a writer that still holds older transactions
 * (an instance that lost the slot with a backlog) cannot apply any of them again, cannot move the fence
 * backwards, and two writers racing over the same transactions apply each exactly once. Real Redis.
 */
class RedisFenceTests {

	private static final String FENCE = "cdc:fence:fence_tests";

	private static final String COUNTER = "fence:counter";

	private final List<RedisSink> sinks = new ArrayList<>();

	private StatefulRedisConnection<String, String> client;

	private RedisCommands<String, String> redis;

	private LettuceConnectionFactory factory;

	@BeforeEach
	void connect() {
		int port = EmbeddedRedisSupport.shared().port();
		this.client = RedisTestSupport.client(port);
		this.redis = this.client.sync();
		this.redis.del(COUNTER, FENCE);
		this.factory = RedisTestSupport.connectionFactory(port);
	}

	@AfterEach
	void close() {
		this.sinks.forEach(RedisSink::stop);
		this.factory.destroy();
		this.client.close();
	}

	@Test
	void lateWriterNeitherDoublesAnIncrbyNorMovesTheFenceBackwards() throws Exception {
		RedisSink late = sink();
		RedisSink current = sink();
		// the late writer connects (and reads the fence) first, then falls behind
		apply(late, 0x100, 1);
		awaitApplied(late, 0x100);
		apply(current, 0x300, 10);
		apply(current, 0x400, 100);
		awaitApplied(current, 0x400);
		assertThat(this.redis.get(COUNTER)).isEqualTo("111");
		assertThat(this.redis.get(FENCE)).isEqualTo("0/400");

		// its backlog: an older transaction never applied, then two the current writer applied already
		apply(late, 0x200, 1_000);
		apply(late, 0x300, 10);
		apply(late, 0x400, 100);
		awaitApplied(late, 0x400);
		assertThat(this.redis.get(COUNTER)).as("nothing of the late writer's backlog applied").isEqualTo("111");
		assertThat(this.redis.get(FENCE)).as("the fence never moves backwards").isEqualTo("0/400");
		assertThat(late.statistics().replaysSkipped()).isEqualTo(3);

		// a newer transaction still goes through whichever writer sends it
		apply(late, 0x500, 10_000);
		awaitApplied(late, 0x500);
		assertThat(this.redis.get(COUNTER)).isEqualTo("10111");
		assertThat(this.redis.get(FENCE)).isEqualTo("0/500");
	}

	@Test
	void twoWritersRacingOverTheSameTransactionsApplyEachOnce() throws Exception {
		RedisSink first = sink();
		RedisSink second = sink();
		int transactions = 300;
		CompletableFuture<Void> a = CompletableFuture.runAsync(() -> feed(first, transactions));
		CompletableFuture<Void> b = CompletableFuture.runAsync(() -> feed(second, transactions));
		a.get();
		b.get();
		awaitApplied(first, 0x100L * transactions);
		awaitApplied(second, 0x100L * transactions);
		long expected = (long) transactions * (transactions + 1) / 2;
		assertThat(this.redis.get(COUNTER)).isEqualTo(Long.toString(expected));
		assertThat(this.redis.get(FENCE)).isEqualTo(new Lsn(0x100L * transactions).toString());
		assertThat(first.statistics().transactions() + second.statistics().transactions())
			.isEqualTo(transactions);
	}

	@Test
	void fenceThatIsNotAPositionStopsTheSinkAndAppliesNothing() throws Exception {
		RedisSink sink = sink();
		AtomicReference<String> failure = new AtomicReference<>();
		sink.attach((reason, cause) -> failure.set(reason));
		apply(sink, 0x100, 1);
		awaitApplied(sink, 0x100);
		this.redis.set(FENCE, "garbage");
		apply(sink, 0x200, 10);
		await().atMost(Duration.ofSeconds(10)).until(() -> failure.get() != null);
		assertThat(failure.get()).contains("exactly-once fence", FENCE, "garbage", "0/16B3748",
				"delete the key or set it to the last position applied to Redis");
		assertThat(this.redis.get(COUNTER)).isEqualTo("1");
		assertThat(this.redis.get(FENCE)).isEqualTo("garbage");
	}

	@Test
	void stoppedSinkRefusesTransactionsInsteadOfBlocking() throws Exception {
		RedisSink sink = sink();
		sink.stop();
		assertThatIllegalStateException().isThrownBy(() -> apply(sink, 0x100, 1))
			.withMessageContaining("The Redis sink is stopped")
			.withMessageContaining("is not confirmed")
			.withMessageContaining("the engine delivers it again");
		sink.start();
		apply(sink, 0x100, 1);
		awaitApplied(sink, 0x100);
		assertThat(this.redis.get(COUNTER)).isEqualTo("1");
	}

	private void feed(RedisSink sink, int transactions) {
		try {
			for (int i = 1; i <= transactions; i++) {
				apply(sink, 0x100L * i, i);
			}
		}
		catch (InterruptedException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private RedisSink sink() {
		RedisSinkSettings settings = RedisSinkSettings.defaults().withExactlyOnce(true)
			.withRetry(Duration.ofMillis(50), Duration.ofMillis(200));
		RedisSink sink = new RedisSink(List.of(new CounterPlanner()), LettuceChannel.create(this.factory,
				settings.timeout()), settings, FENCE, null);
		sink.start();
		this.sinks.add(sink);
		return sink;
	}

	/** One transaction of one row adding {@code amount} to the counter, committed at {@code position}. */
	private static void apply(RedisSink sink, long position, long amount) throws InterruptedException {
		Lsn commit = new Lsn(position);
		ChangeEvent change = new ChangeEvent(Operation.INSERT, TABLE, null, Row.of(Map.of("amount", amount)), commit,
				commit, position, Instant.EPOCH);
		sink.enqueue(new PendingTransaction(new TransactionCommit(position, commit, commit, Instant.EPOCH),
				List.of(change)));
	}

	private static void awaitApplied(RedisSink sink, long position) {
		await().atMost(Duration.ofSeconds(20)).until(() -> sink.appliedLsn().value() >= position);
	}

	private static final TableId TABLE = new TableId("public", "counters");

	/** {@code INCRBY fence:counter <amount>} per change. */
	private static final class CounterPlanner implements ChangePlanner {

		@Override
		public boolean handles(TableId table) {
			return TABLE.equals(table);
		}

		@Override
		public void plan(ChangeEvent event, List<RedisCommand> commands) {
			commands.add(new RedisCommand("INCRBY", new byte[][] { RedisValues.bytes(COUNTER),
					RedisValues.bytes(String.valueOf(event.row().get("amount"))) }, "test counter"));
		}

	}

}
