package dev.pgcdc.redis;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.protocol.DefaultEndpoint;
import io.lettuce.core.protocol.RedisCommand;
import io.netty.channel.Channel;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The commands of one flush, written to the connection's Netty channel as one message: Lettuce's command
 * handler puts them on its reply stack and its encoder writes them into one buffer, where
 * {@code dispatch} + {@code flushCommands} would pass each command through the pipeline on its own (a task,
 * a promise, a listener and a buffer per command, most of what the event loop spent per row).
 *
 * <p>Replies, errors and a lost connection are handled by Lettuce exactly as for dispatched commands; a
 * write that fails completes the batch's commands with its cause. The channel is read from Lettuce's
 * endpoint; where it cannot be (another Lettuce layout), {@link #of} returns {@code null} and the channel
 * dispatches command by command as before.
 *
 * @author pgcdc
 */
final class ChannelBatch {

	private static final Log logger = LogFactory.getLog(ChannelBatch.class);

	private static final Field CHANNEL = channelField();

	private final Channel channel;

	private List<RedisCommand<?, ?, ?>> commands = new ArrayList<>();

	private ChannelBatch(Channel channel) {
		this.channel = channel;
	}

	/**
	 * Return a batch writing to a connection's channel.
	 * @param connection the connection, connected
	 * @return the batch, or {@code null} if the channel is not reachable
	 */
	static ChannelBatch of(StatefulRedisConnection<?, ?> connection) {
		if (CHANNEL == null || !(connection instanceof RedisChannelHandler<?, ?> handler)) {
			return null;
		}
		RedisChannelWriter writer = handler.getChannelWriter();
		if (!(writer instanceof DefaultEndpoint endpoint)) {
			return null;
		}
		try {
			Object channel = CHANNEL.get(endpoint);
			return (channel instanceof Channel netty) ? new ChannelBatch(netty) : null;
		}
		catch (IllegalAccessException | RuntimeException ex) {
			return null;
		}
	}

	void add(RedisCommand<?, ?, ?> command) {
		this.commands.add(command);
	}

	/** Write and flush what was added. */
	void flush() {
		if (this.commands.isEmpty()) {
			return;
		}
		List<RedisCommand<?, ?, ?>> batch = this.commands;
		this.commands = new ArrayList<>(Math.max(16, batch.size()));
		if (batch.size() == 1) {
			// Lettuce's handler takes a list of one as that command
			write(batch.get(0), batch);
		}
		else {
			write(batch, batch);
		}
	}

	private void write(Object message, List<RedisCommand<?, ?, ?>> batch) {
		this.channel.writeAndFlush(message).addListener((future) -> {
			if (!future.isSuccess()) {
				for (RedisCommand<?, ?, ?> command : batch) {
					command.completeExceptionally(future.cause());
				}
			}
		});
	}

	/** Drop what was added and not flushed (the connection is being closed). */
	void clear() {
		this.commands.clear();
	}

	private static Field channelField() {
		try {
			Field field = DefaultEndpoint.class.getDeclaredField("channel");
			field.setAccessible(true);
			return field;
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			logger.debug("Lettuce's endpoint channel is not reachable; the Redis sink dispatches command by command", ex);
			return null;
		}
	}

}
