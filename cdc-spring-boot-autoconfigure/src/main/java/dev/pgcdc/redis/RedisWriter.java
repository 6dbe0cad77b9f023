package dev.pgcdc.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.listener.DeadLetters;
import dev.pgcdc.replication.Backoff;
import dev.pgcdc.replication.DeliveryGate;
import dev.pgcdc.replication.EngineControl;
import io.lettuce.core.protocol.AsyncCommand;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The sink's writer thread: takes committed transactions in order, sends them in pipelined batches, each
 * transaction in its own MULTI/EXEC block, and moves the completed position only past transactions Redis
 * has executed (or that went to the failure policy).
 *
 * <p>While Redis is unreachable the writer retries the unconfirmed transactions with back-off, forever:
 * the queue fills, the dispatcher waits, and nothing past the first unapplied transaction is confirmed to
 * PostgreSQL. With exactly-once on, each block also sets the fence key to the transaction's commit
 * position, guarded by a compare-and-set ({@link FenceScript}): a block at or below the fence has no
 * effect, so neither a replay after a crash nor a late writer (an instance that lost the slot while
 * transactions were still queued) applies anything twice or moves the fence backwards. After every
 * (re)connection the fence is read back, so that covered transactions are skipped without being sent.
 *
 * <p>The writer can run again after {@link #stop()}: {@link #reset()} abandons what was taken but not
 * applied (the engine delivers it again from its confirmed position) and keeps the completed position.
 *
 * @author pgcdc
 */
final class RedisWriter implements Runnable {

	private static final Log logger = LogFactory.getLog(RedisWriter.class);

	static final String DEAD_LETTER_ID = RefusedCommandPolicy.DEAD_LETTER_ID;

	private final BlockingQueue<PendingTransaction> queue;

	private final List<ChangePlanner> planners;

	private final RedisSinkSettings settings;

	private final LettuceChannel channel;

	private final byte[] fenceKey;

	private final String fenceKeyName;

	private final RedisSinkStatistics statistics;

	private final Supplier<EngineControl> control;

	private final RefusedCommandPolicy refusedCommands;

	private final List<RedisCommand> planned = new ArrayList<>();

	/** Transactions taken from the queue and not yet confirmed, in commit order. */
	private final List<PendingTransaction> pending = new ArrayList<>();

	/** The EXEC replies to come for the first pending transactions sent ({@code null}: nothing to send). */
	private final List<AsyncCommand<byte[], byte[], ExecReply>> execs = new ArrayList<>();

	private volatile long completed;

	private volatile boolean running;

	private volatile boolean halted;

	private Lsn fence = Lsn.ZERO;

	private int failedAttempts;

	private final Backoff backoff;

	RedisWriter(BlockingQueue<PendingTransaction> queue, List<ChangePlanner> planners, RedisSinkSettings settings,
			LettuceChannel channel, String fenceKey, RedisSinkStatistics statistics, Supplier<DeadLetters> deadLetters,
			Supplier<EngineControl> control) {
		this.queue = queue;
		this.planners = planners;
		this.settings = settings;
		this.channel = channel;
		this.fenceKey = RedisValues.bytes(fenceKey);
		this.fenceKeyName = fenceKey;
		this.statistics = statistics;
		this.control = control;
		this.backoff = new Backoff(settings.retryInitialInterval(), settings.retryMaxInterval());
		this.refusedCommands = new RefusedCommandPolicy(settings, statistics, deadLetters, this::plan);
	}

	Lsn completed() {
		return new Lsn(this.completed);
	}

	boolean isHalted() {
		return this.halted;
	}

	void stop() {
		this.running = false;
	}

	/**
	 * Prepare a new run, on a writer whose thread has ended: abandon what the last run took but did not apply
	 * (it was not confirmed, so the engine delivers it again) and forget the fence it read.
	 */
	void reset() {
		this.pending.forEach(PendingTransaction::release);
		this.pending.clear();
		this.execs.clear();
		this.planned.clear();
		this.queue.clear();
		this.fence = Lsn.ZERO;
		this.failedAttempts = 0;
		this.halted = false;
		this.running = true;
	}

	@Override
	public void run() {
		try {
			while (this.running && !this.halted) {
				if (this.pending.isEmpty() && !fill(true)) {
					continue;
				}
				if (!gateOpen()) {
					continue;
				}
				try {
					if (!this.channel.isOpen()) {
						connect();
						this.execs.clear();
					}
					if (this.channel.cluster() != null) {
						applyInCluster();
					}
					else if (this.settings.exactlyOnce()) {
						applyOneByOne();
					}
					else {
						sendUnsent();
						// keep Redis busy: the next batch goes out before the replies to this one are awaited
						int inFlight = this.pending.size();
						fill(false);
						sendUnsent();
						confirm(inFlight);
					}
				}
				catch (RedisUnavailableException | RedisReplyException ex) {
					this.channel.close();
					this.execs.clear();
					backOff(ex);
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (Throwable ex) {
			this.halted = true;
			fail("the Redis sink failed: " + ex + "; nothing from its unfinished transactions is confirmed", ex);
		}
		finally {
			this.channel.close();
		}
	}

	/**
	 * Wait while the engine's connection is lost; drop what was queued before another instance took the slot
	 * over (that instance applies it from the slot's position, and a late block here could reorder effects).
	 * @return whether to go on writing the pending transactions
	 */
	private boolean gateOpen() throws InterruptedException {
		EngineControl engine = this.control.get();
		DeliveryGate gate = (engine != null) ? engine.gate() : DeliveryGate.OPEN;
		long epoch = this.pending.get(0).epoch();
		if (gate.await(epoch, () -> this.running && !this.halted)) {
			return true;
		}
		if (gate.voided(epoch)) {
			this.channel.close();
			this.execs.clear();
			this.pending.forEach(PendingTransaction::release);
			this.pending.clear();
			PendingTransaction queued;
			while ((queued = this.queue.peek()) != null && gate.voided(queued.epoch())) {
				this.queue.poll().release();
			}
			logger.info("Redis sink dropped its backlog: another instance holds the slot and applies it");
		}
		return false;
	}

	/**
	 * Take what is queued, up to about batch-size changes. Waiting, it takes at least one transaction and waits
	 * up to flush-interval for more; not waiting (blocks are in flight), only what is there.
	 * @return whether a transaction was taken
	 */
	private boolean fill(boolean wait) throws InterruptedException {
		PendingTransaction first = wait ? this.queue.poll(100, TimeUnit.MILLISECONDS) : this.queue.poll();
		if (first == null) {
			return false;
		}
		this.pending.add(first);
		int changes = first.changes().size();
		long deadline = System.nanoTime() + (wait ? this.settings.flushInterval().toNanos() : 0);
		while (changes < this.settings.batchSize()) {
			PendingTransaction next = this.queue.poll();
			if (next == null) {
				long remaining = deadline - System.nanoTime();
				if (remaining <= 0) {
					break;
				}
				next = this.queue.poll(remaining, TimeUnit.NANOSECONDS);
				if (next == null) {
					break;
				}
			}
			this.pending.add(next);
			changes += next.changes().size();
		}
		return true;
	}

	private void connect() throws Exception {
		String stored = null;
		try {
			this.channel.open();
			// a cluster keeps one fence per slot, each checked by its block's guard
			if (this.settings.exactlyOnce() && this.channel.cluster() == null) {
				stored = this.channel.get(this.fenceKey);
			}
		}
		catch (RedisUnavailableException | RedisReplyException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
			// Lettuce's RedisConnectionException and the like: Redis is not there
			throw new RedisUnavailableException("Cannot connect to Redis: " + ex.getMessage(), ex);
		}
		this.fence = parseFence(stored);
	}

	/**
	 * With exactly-once, one block in flight at a time. Were a later block already sent when Redis refuses an
	 * earlier one (EXECABORT for OOM, say, and memory frees up in between), the later block would run and move
	 * the fence past the earlier, whose guard would then discard it: it would be lost.
	 */
	private void applyOneByOne() throws Exception {
		while (!this.pending.isEmpty() && !this.halted) {
			if (this.execs.isEmpty()) {
				this.execs.add(send(this.pending.get(0)));
				this.channel.flush();
			}
			confirm(1);
		}
	}

	/**
	 * On a Redis Cluster, one transaction at a time: its commands grouped by hash slot, one block per slot on
	 * the slot's master, each guarded by the slot's own fence with exactly-once.
	 */
	private void applyInCluster() throws Exception {
		while (!this.pending.isEmpty() && !this.halted) {
			PendingTransaction transaction = this.pending.get(0);
			if (!transaction.changes().isEmpty()) {
				for (ChangeEvent change : transaction.changes()) {
					plan(change, this.planned);
				}
				boolean fenced = this.settings.exactlyOnce() && transaction.fenced();
				byte[] position = fenced ? RedisValues.bytes(transaction.commit().commitLsn().toString()) : null;
				ClusterChannel.Applied applied;
				try {
					applied = this.channel.cluster().apply(this.planned, position);
				}
				finally {
					this.statistics.commands(this.planned.size());
					this.planned.clear();
				}
				this.statistics.redirected(applied.redirections());
				for (int i = 0; i < applied.skipped(); i++) {
					this.statistics.replaySkipped();
				}
				if (applied.refused() == null) {
					this.statistics.transactionApplied();
				}
				else if (!settleRefused(transaction, applied.refused())) {
					return;
				}
			}
			complete(transaction);
			this.pending.remove(0);
		}
	}

	/**
	 * Handle a block Redis refused or whose guard failed.
	 * @return whether the transaction is done with (skipped or dead-lettered); {@code false}: the sink stopped
	 */
	private boolean settleRefused(PendingTransaction transaction, ExecReply reply) {
		if (reply.guardError() != null) {
			this.halted = true;
			fail("The exactly-once fence cannot be checked: " + reply.guardError() + ". Transaction "
					+ transaction.commit().xid() + (reply.discarded() ? " was not applied" : " may have been applied")
					+ "; delete the key or set it to the last position applied to Redis, then restart",
					new RedisReplyException(reply.guardError()));
			return false;
		}
		if (reply.blockError() != null && RedisReplyException.isTransient(reply.firstError())) {
			// nothing of the block ran (EXECABORT for LOADING, OOM, ...): send it again
			throw new RedisReplyException(reply.firstError());
		}
		RefusedCommandPolicy.Stop stop = this.refusedCommands.apply(transaction, reply);
		if (stop != null) {
			this.halted = true;
			fail(stop.reason(), stop.cause());
			return false;
		}
		return true;
	}

	/** Send the blocks of the pending transactions not sent yet (after a reconnection: all of them). */
	private void sendUnsent() throws Exception {
		for (int i = this.execs.size(); i < this.pending.size(); i++) {
			this.execs.add(send(this.pending.get(i)));
		}
		this.channel.flush();
	}

	/**
	 * Wait for the replies of the first {@code count} pending transactions, in order, and move the completed
	 * position past each. A connection failure leaves the unconfirmed ones pending, to be sent again.
	 */
	private void confirm(int count) throws Exception {
		for (int i = 0; i < count; i++) {
			PendingTransaction transaction = this.pending.get(0);
			AsyncCommand<byte[], byte[], ExecReply> exec = this.execs.get(0);
			if (exec != null) {
				ExecReply reply = this.channel.await(exec);
				if (reply.guardError() != null) {
					settleRefused(transaction, reply);
					return;
				}
				if (reply.discarded()) {
					if (!coveredByFence(transaction, reply)) {
						// another writer moved the fence between WATCH and EXEC: check again
						this.execs.set(0, send(transaction));
						this.channel.flush();
						i--;
						continue;
					}
				}
				else if (!reply.succeeded() && !settleRefused(transaction, reply)) {
					return;
				}
				else {
					this.statistics.transactionApplied();
				}
				if (transaction.fenced() && this.settings.exactlyOnce()) {
					this.fence = max(this.fence, transaction.commit().commitLsn());
				}
			}
			complete(transaction);
			this.pending.remove(0);
			this.execs.remove(0);
		}
	}

	/** Queue one transaction's block; returns its EXEC, or null when there is nothing to send. */
	private AsyncCommand<byte[], byte[], ExecReply> send(PendingTransaction transaction) throws Exception {
		if (transaction.changes().isEmpty()) {
			return null;
		}
		boolean fenced = this.settings.exactlyOnce() && transaction.fenced();
		if (fenced && transaction.commit().commitLsn().compareTo(this.fence) <= 0) {
			this.statistics.replaySkipped();
			return null;
		}
		byte[] position = fenced ? RedisValues.bytes(transaction.commit().commitLsn().toString()) : null;
		ReplyOutputs.GuardReplies guard = fenced ? this.channel.guard(this.fenceKey, position) : null;
		ReplyOutputs.QueuedReplies replies = new ReplyOutputs.QueuedReplies();
		this.channel.multi(replies);
		int count = 0;
		for (ChangeEvent change : transaction.changes()) {
			plan(change, this.planned);
			for (RedisCommand command : this.planned) {
				this.channel.command(command, replies, this.settings.batchSize());
			}
			count += this.planned.size();
			this.planned.clear();
		}
		if (fenced) {
			// the guard discards the block unless the fence is below this position: never backwards
			this.channel.command(new RedisCommand("SET", new byte[][] { this.fenceKey, position },
					"exactly-once fence"), replies, this.settings.batchSize());
		}
		this.statistics.commands(count);
		return this.channel.exec(replies, guard);
	}

	/**
	 * Handle a block Redis discarded because the watched fence changed: either the guard found the block at
	 * or below the fence (applied before, by this writer or another), or another writer moved the fence
	 * between WATCH and EXEC.
	 * @return whether the transaction is covered by the fence, and so done
	 */
	private boolean coveredByFence(PendingTransaction transaction, ExecReply reply) {
		Lsn seen = parseFence(reply.fence());
		this.fence = max(this.fence, seen);
		if (transaction.commit().commitLsn().compareTo(seen) <= 0) {
			this.statistics.replaySkipped();
			return true;
		}
		if (logger.isDebugEnabled()) {
			logger.debug("The exactly-once fence moved while transaction " + transaction.commit().xid()
					+ " was sent (another writer?); checking it again");
		}
		return false;
	}

	private Lsn parseFence(String stored) {
		if (stored == null) {
			return Lsn.ZERO;
		}
		try {
			return Lsn.parse(stored);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException("The exactly-once fence " + this.fenceKeyName + " holds \""
					+ stored + "\", which is not a position such as 0/16B3748; delete the key or set it to the last "
					+ "position applied to Redis, then restart", ex);
		}
	}

	/** Append the commands of one change from every planner (each skips tables it does not handle). */
	private void plan(ChangeEvent change, List<RedisCommand> commands) {
		for (ChangePlanner planner : this.planners) {
			planner.plan(change, commands);
		}
	}

	private static Lsn max(Lsn a, Lsn b) {
		return (a.compareTo(b) >= 0) ? a : b;
	}

	private void complete(PendingTransaction transaction) {
		if (this.failedAttempts > 0) {
			// reset on progress, not on connecting: a cluster whose failed master is not replaced yet accepts
			// the connection and fails every block, and the back-off must still grow
			logger.info("Redis sink writes again after " + this.failedAttempts + " failed attempt(s)"
					+ ((this.settings.exactlyOnce() && this.channel.cluster() == null)
							? "; exactly-once fence at " + this.fence : ""));
			this.failedAttempts = 0;
		}
		transaction.release();
		long end = transaction.commit().endLsn().value();
		// snapshot chunks end at position 0: completion never moves backwards
		if (Long.compareUnsigned(end, this.completed) > 0) {
			this.completed = end;
		}
	}

	private void backOff(RuntimeException ex) throws InterruptedException {
		this.statistics.retried(ex.getMessage());
		long delay = this.backoff.delayMillis(this.failedAttempts + 1);
		String position = this.pending.isEmpty() ? "" : "; nothing past commit " + this.pending.get(0).commit().commitLsn()
				+ " is confirmed until it is applied";
		if (this.failedAttempts == 0) {
			logger.warn("Redis sink cannot write (" + ex.getMessage() + "), retrying with back-off up to "
					+ this.settings.retryMaxInterval().toMillis() + " ms" + position);
		}
		else if (logger.isDebugEnabled()) {
			logger.debug("Redis sink still cannot write (" + ex.getMessage() + "), attempt " + this.failedAttempts);
		}
		this.failedAttempts++;
		long until = System.currentTimeMillis() + delay;
		while (this.running && System.currentTimeMillis() < until) {
			TimeUnit.MILLISECONDS.sleep(Math.min(50, Math.max(1, until - System.currentTimeMillis())));
		}
	}

	private void fail(String reason, Throwable cause) {
		EngineControl engine = this.control.get();
		if (engine != null) {
			engine.fail(reason, cause);
		}
		else {
			logger.error(reason, cause);
		}
	}

}
