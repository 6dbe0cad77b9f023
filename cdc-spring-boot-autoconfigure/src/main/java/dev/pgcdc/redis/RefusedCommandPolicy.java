package dev.pgcdc.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.listener.CdcListenerFailure;
import dev.pgcdc.listener.DeadLetters;
import dev.pgcdc.listener.FailurePolicy;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * What the writer does with a transaction Redis refused a command of ({@code WRONGTYPE}, a value
 * {@code INCRBY} cannot add, a command refused while queued): {@code cdc.redis.write.failure-policy}
 * skips it, stores it as a dead letter of the listener {@value #DEAD_LETTER_ID}, or stops change data
 * capture without confirming it. Messages name the refused command and the mapping it came from.
 *
 * @author pgcdc
 */
final class RefusedCommandPolicy {

	private static final Log logger = LogFactory.getLog(RedisWriter.class);

	static final String DEAD_LETTER_ID = "redis-sink";

	private final RedisSinkSettings settings;

	private final RedisSinkStatistics statistics;

	private final Supplier<DeadLetters> deadLetters;

	private final BiConsumer<ChangeEvent, List<RedisCommand>> planner;

	/**
	 * Create the policy.
	 * @param settings the sink's settings (the policy, exactly-once)
	 * @param statistics where skips and dead letters are counted
	 * @param deadLetters the dead-letter store, or a supplier of {@code null}
	 * @param planner plans a change the way the writer did, to find the refused command again
	 */
	RefusedCommandPolicy(RedisSinkSettings settings, RedisSinkStatistics statistics, Supplier<DeadLetters> deadLetters,
			BiConsumer<ChangeEvent, List<RedisCommand>> planner) {
		this.settings = settings;
		this.statistics = statistics;
		this.deadLetters = deadLetters;
		this.planner = planner;
	}

	/**
	 * Apply the failure policy to a refused transaction.
	 * @param transaction the transaction
	 * @param reply what Redis answered to its block
	 * @return {@code null} to go on with the next transaction, or why the sink stops
	 */
	Stop apply(PendingTransaction transaction, ExecReply reply) {
		String what = describe(transaction, reply);
		RedisCommandFailedException failure = new RedisCommandFailedException(what);
		FailurePolicy policy = this.settings.failurePolicy();
		if (policy == FailurePolicy.SKIP) {
			this.statistics.skipped(what);
			logger.warn(what + "; skipped (cdc.redis.write.failure-policy=skip)");
			return null;
		}
		if (policy == FailurePolicy.DEAD_LETTER) {
			DeadLetters store = this.deadLetters.get();
			if (store != null) {
				try {
					long id = store.store(new CdcListenerFailure(DEAD_LETTER_ID, transaction.changes(), null, failure, 1));
					this.statistics.deadLettered(what);
					logger.warn(what + "; stored as dead letter " + id);
					return null;
				}
				catch (RuntimeException ex) {
					logger.error("Could not store the dead letter of the Redis sink", ex);
				}
			}
		}
		return new Stop(what + " and cdc.redis.write.failure-policy=" + policy.name().toLowerCase().replace('_', '-')
				+ ". Fix the mapping or the data in Redis and restart: the transaction is delivered again"
				+ (this.settings.exactlyOnce() && reply.blockError() == null
						? " (but skipped by the exactly-once fence if the block ran: its other commands were applied)"
						: ""), failure);
	}

	/** The failed command, found again by planning the transaction the same way. */
	private String describe(PendingTransaction transaction, ExecReply reply) {
		ChangeEvent first = transaction.changes().get(0);
		StringBuilder text = new StringBuilder("Redis refused a command of transaction ").append(first.xid())
			.append(" (commit ").append(transaction.commit().commitLsn()).append("): ").append(reply.firstError());
		int index = reply.failures().isEmpty() ? -1 : reply.failures().get(0).index();
		if (index >= 0) {
			RedisCommand command = plannedCommand(transaction, index);
			if (command != null) {
				text.append(" in ").append(command);
			}
		}
		return text.toString();
	}

	private RedisCommand plannedCommand(PendingTransaction transaction, int index) {
		List<RedisCommand> commands = new ArrayList<>();
		for (ChangeEvent change : transaction.changes()) {
			this.planner.accept(change, commands);
			if (commands.size() > index) {
				return commands.get(index);
			}
		}
		return null;
	}

	/**
	 * Why the sink stops.
	 *
	 * @param reason the message for the engine
	 * @param cause the refused command as an exception
	 */
	record Stop(String reason, Throwable cause) {
	}

}
