package dev.pgcdc.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import dev.pgcdc.event.ChangeEvent;
import io.lettuce.core.protocol.AsyncCommand;

/**
 * Applies a dead-lettered transaction of the Redis sink again, once the data in Redis is fixed: the stored
 * changes are planned by the sink's planners, as the writer planned them, and sent in one MULTI/EXEC block
 * on a connection of its own, on the caller's thread.
 *
 * <p>The exactly-once fence is neither checked nor moved. A transaction dead-lettered under exactly-once
 * had its block run (Redis runs the other commands of a block when one is refused), so the fence already
 * lies at or past it and would discard the replay; and moving it back would make the writer apply newer
 * transactions twice. A replay is therefore an explicit, at-least-once re-application: every command of
 * the transaction runs again, those that succeeded the first time included, and the stored row images are
 * applied as they were, after any newer change of the same keys.
 *
 * @author pgcdc
 */
final class RedisDeadLetterReplay {

	private final List<ChangePlanner> planners;

	private final Supplier<LettuceChannel> channels;

	private final int batchSize;

	RedisDeadLetterReplay(List<ChangePlanner> planners, Supplier<LettuceChannel> channels, int batchSize) {
		this.planners = planners;
		this.channels = channels;
		this.batchSize = batchSize;
	}

	/**
	 * Apply the changes of a dead letter to Redis again.
	 * @param changes the stored changes, in order
	 * @throws RedisCommandFailedException if Redis refuses a command again (the others of the block ran)
	 * @throws RedisUnavailableException if Redis cannot be reached (nothing ran, or it is unknown what did)
	 */
	void replay(List<ChangeEvent> changes) throws Exception {
		List<RedisCommand> commands = new ArrayList<>();
		for (ChangeEvent change : changes) {
			for (ChangePlanner planner : this.planners) {
				planner.plan(change, commands);
			}
		}
		if (commands.isEmpty()) {
			return;
		}
		LettuceChannel channel = this.channels.get();
		try {
			channel.open();
			if (channel.cluster() != null) {
				ExecReply refused = channel.cluster().apply(commands, null).refused();
				if (refused != null) {
					throw new RedisCommandFailedException(describe(changes, commands, refused));
				}
				return;
			}
			ReplyOutputs.QueuedReplies replies = new ReplyOutputs.QueuedReplies();
			channel.multi(replies);
			for (RedisCommand command : commands) {
				channel.command(command, replies, this.batchSize);
			}
			AsyncCommand<byte[], byte[], ExecReply> exec = channel.exec(replies, null);
			channel.flush();
			ExecReply reply = channel.await(exec);
			if (!reply.succeeded()) {
				throw new RedisCommandFailedException(describe(changes, commands, reply));
			}
		}
		finally {
			channel.shutdown();
		}
	}

	private static String describe(List<ChangeEvent> changes, List<RedisCommand> commands, ExecReply reply) {
		StringBuilder text = new StringBuilder("Redis refused a command of replayed transaction ")
			.append(changes.get(0).xid()).append(" (commit ").append(changes.get(0).commitLsn()).append("): ")
			.append(reply.firstError());
		int index = reply.failures().isEmpty() ? -1 : reply.failures().get(0).index();
		if (index >= 0 && index < commands.size()) {
			text.append(" in ").append(commands.get(index));
		}
		text.append(reply.failures().isEmpty() ? "; nothing of it ran" : "; its other commands ran")
			.append(". Fix the data in Redis and replay it again");
		return text.toString();
	}

}
