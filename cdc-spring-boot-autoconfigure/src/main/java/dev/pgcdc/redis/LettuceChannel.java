package dev.pgcdc.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import dev.pgcdc.redis.ReplyOutputs.ExecOutput;
import dev.pgcdc.redis.ReplyOutputs.GuardReplies;
import dev.pgcdc.redis.ReplyOutputs.QueuedReplies;
import dev.pgcdc.redis.ReplyOutputs.ReplyOutput;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.resource.ClientResources;
import io.netty.buffer.ByteBuf;

import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisNode;
import org.springframework.data.redis.connection.RedisPassword;
import org.springframework.data.redis.connection.RedisSentinelConfiguration;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * The sink's own Lettuce connection to the application's Redis: pipelined (commands are written without
 * waiting, then flushed), with MULTI/EXEC blocks the sink frames itself.
 *
 * <p>Two deliberate departures from a default Lettuce connection. Auto-reconnect is off: Lettuce would
 * otherwise re-send commands that were in flight when the connection dropped after reconnecting, outside
 * the MULTI the server discarded with the old connection; the sink instead reconnects itself and sends the
 * whole transaction again. And MULTI/EXEC go out under keywords Lettuce does not recognise, so that it does
 * not hold every command of an open transaction until EXEC: a transaction of any size takes a bounded
 * amount of client memory.
 *
 * <p>The Lettuce client is created on the first {@link #open()} after {@link #shutdown()}, so that a sink
 * stopped with its application context and started again gets a working client.
 *
 * @author pgcdc
 */
final class LettuceChannel implements AutoCloseable {

	/** Flushes that may be in flight before the writer waits for the oldest to be answered. */
	private static final int WINDOW = 8;

	private static final Map<String, ProtocolKeyword> KEYWORDS = new ConcurrentHashMap<>();

	static final ProtocolKeyword MULTI = untracked("MULTI");

	static final ProtocolKeyword EXEC = untracked("EXEC");

	private final Supplier<RedisClient> clients;

	private final Duration timeout;

	private volatile RedisClient client;

	private final ArrayDeque<AsyncCommand<byte[], byte[], ?>> window = new ArrayDeque<>();

	private StatefulRedisConnection<byte[], byte[]> connection;

	/** Where commands go until flushed: {@code null} to dispatch them through Lettuce one by one. */
	private ChannelBatch batch;

	private int unflushed;

	/** The cluster this channel writes to slot by slot, {@code null} for a standalone or Sentinel Redis. */
	private final ClusterChannel cluster;

	private LettuceChannel(Supplier<RedisClient> clients, Duration timeout) {
		this.clients = clients;
		this.timeout = timeout;
		this.cluster = null;
	}

	private LettuceChannel(ClusterChannel cluster, Duration timeout) {
		this.clients = null;
		this.timeout = timeout;
		this.cluster = cluster;
	}

	/**
	 * Return the cluster channel when the application's Redis is a Redis Cluster.
	 * @return the cluster channel, or {@code null}
	 */
	ClusterChannel cluster() {
		return this.cluster;
	}

	/**
	 * Create a channel to the Redis a connection factory points at.
	 * @param factory the application's factory
	 * @param timeout how long to wait for answers
	 * @return a channel, not yet connected
	 * @throws IllegalStateException if the factory is not a standalone or Sentinel Lettuce one
	 */
	static LettuceChannel create(RedisConnectionFactory factory, Duration timeout) {
		if (!(factory instanceof LettuceConnectionFactory lettuce)) {
			throw new IllegalStateException("The cdc.redis sinks need Lettuce, but the RedisConnectionFactory is a "
					+ factory.getClass().getName() + ". Use spring.data.redis.client-type=lettuce");
		}
		if (lettuce.getClusterConfiguration() != null) {
			return new LettuceChannel(ClusterChannel.create(lettuce, timeout), timeout);
		}
		RedisSentinelConfiguration sentinel = lettuce.getSentinelConfiguration();
		RedisURI.Builder uri = (sentinel != null) ? sentinelUri(sentinel) : standaloneUri(lettuce.getStandaloneConfiguration());
		uri.withSsl(lettuce.isUseSsl())
			.withVerifyPeer(lettuce.isVerifyPeer())
			.withTimeout(timeout)
			.withClientName("pgcdc-redis-sink");
		RedisURI target = uri.build();
		return new LettuceChannel(() -> {
			ClientResources resources = lettuce.getClientResources();
			RedisClient client = (resources != null) ? RedisClient.create(resources, target) : RedisClient.create(target);
			// no timer per command (Lettuce's default): the sink awaits one reply per flush with its own timeout,
			// and a timer for each of a million queued commands cost as much CPU as encoding them
			client.setOptions(ClientOptions.builder()
				.autoReconnect(false)
				.timeoutOptions(TimeoutOptions.builder().timeoutCommands(false).build())
				.build());
			return client;
		}, timeout);
	}

	private static RedisURI.Builder standaloneUri(RedisStandaloneConfiguration standalone) {
		RedisURI.Builder uri = RedisURI.builder()
			.withHost(standalone.getHostName())
			.withPort(standalone.getPort())
			.withDatabase(standalone.getDatabase());
		RedisPassword password = standalone.getPassword();
		if (password.isPresent()) {
			uri.withAuthentication(standalone.getUsername(), password.get());
		}
		return uri;
	}

	/**
	 * The master a set of sentinels names: every {@link #open()} asks them again, so that the connection after a
	 * failover goes to the promoted replica.
	 */
	private static RedisURI.Builder sentinelUri(RedisSentinelConfiguration sentinel) {
		if (sentinel.getMaster() == null || sentinel.getSentinels().isEmpty()) {
			throw new IllegalStateException("The Redis Sentinel configuration names no master or no sentinel; set "
					+ "spring.data.redis.sentinel.master and spring.data.redis.sentinel.nodes");
		}
		RedisURI.Builder uri = RedisURI.builder()
			.withSentinelMasterId(sentinel.getMaster().getName())
			.withDatabase(sentinel.getDatabase());
		RedisPassword sentinelPassword = sentinel.getSentinelPassword();
		for (RedisNode node : sentinel.getSentinels()) {
			RedisURI.Builder sentinelUri = RedisURI.builder().withHost(node.getHost()).withPort(node.getPort());
			if (sentinelPassword.isPresent()) {
				sentinelUri.withAuthentication(sentinel.getSentinelUsername(), sentinelPassword.get());
			}
			uri.withSentinel(sentinelUri.build());
		}
		RedisPassword password = sentinel.getPassword();
		if (password.isPresent()) {
			uri.withAuthentication(sentinel.getUsername(), password.get());
		}
		return uri;
	}

	/**
	 * Connect, and wait until Redis answers commands (a restarted Redis answers LOADING while it reads its
	 * data back).
	 */
	void open() throws Exception {
		close();
		if (this.cluster != null) {
			this.cluster.open();
			return;
		}
		RedisClient client = this.client;
		if (client == null) {
			client = this.clients.get();
			this.client = client;
		}
		this.connection = client.connect(ByteArrayCodec.INSTANCE);
		this.connection.setAutoFlushCommands(false);
		this.batch = ChannelBatch.of(this.connection);
		Object pong = await(send(new Command<>(keyword("PING"), new ReplyOutput())));
		if (pong instanceof RedisReplyException error) {
			throw error;
		}
	}

	boolean isOpen() {
		if (this.cluster != null) {
			return this.cluster.isOpen();
		}
		return this.connection != null && this.connection.isOpen();
	}

	/**
	 * Read a string key, synchronously.
	 * @param key the key
	 * @return the value, or {@code null}
	 */
	String get(byte[] key) throws Exception {
		Object value = await(send(new Command<>(keyword("GET"), new ReplyOutput(),
				new CommandArgs<>(ByteArrayCodec.INSTANCE).addKey(key))));
		if (value instanceof RedisReplyException error) {
			throw error;
		}
		return (value instanceof byte[] bytes) ? new String(bytes, StandardCharsets.UTF_8) : null;
	}

	/**
	 * Open a transaction block.
	 * @param replies collects the errors of the queued commands
	 */
	void multi(QueuedReplies replies) {
		write(new Command<>(MULTI, replies));
	}

	/**
	 * Queue one command, flushing every {@code batchSize} commands.
	 * @param command the command
	 * @param replies collects errors
	 * @param batchSize commands per flush
	 */
	void command(RedisCommand command, QueuedReplies replies, int batchSize) throws Exception {
		Command<byte[], byte[], Void> queued = new Command<>(keyword(command.name()), replies,
				new RenderedArgs(command.encodedArgs(), command.argCount()));
		if (this.unflushed + 1 < batchSize) {
			write(queued);
			return;
		}
		// the last command of a flush is awaited later: its QUEUED reply says Redis read the whole flush
		AsyncCommand<byte[], byte[], Void> mark = new AsyncCommand<>(queued);
		write(mark);
		this.window.add(mark);
		flush();
		while (this.window.size() > WINDOW) {
			await(this.window.poll());
		}
	}

	/**
	 * Watch the fence and queue the {@link FenceScript guard} that discards the next block if its position is
	 * at or below the fence; call before {@link #multi}.
	 * @param fenceKey the fence key
	 * @param position the block's commit position
	 * @return what the guard reads, to pass to {@link #exec}
	 */
	GuardReplies guard(byte[] fenceKey, byte[] position) {
		GuardReplies guard = new GuardReplies();
		write(new Command<>(keyword("WATCH"), guard.watch(), RenderedArgs.of(new byte[][] { fenceKey })));
		write(new Command<>(keyword("EVAL"), guard, RenderedArgs.of(FenceScript.evalArgs(fenceKey, position))));
		return guard;
	}

	/**
	 * Close a transaction block.
	 * @param replies collects the errors of the queued commands
	 * @param guard the fence guard sent before the block, or {@code null}
	 * @return the EXEC reply to come
	 */
	AsyncCommand<byte[], byte[], ExecReply> exec(QueuedReplies replies, GuardReplies guard) {
		AsyncCommand<byte[], byte[], ExecReply> exec = new AsyncCommand<>(
				new Command<>(EXEC, new ExecOutput(replies, guard)));
		write(exec);
		return exec;
	}

	void flush() {
		if (this.unflushed > 0) {
			if (this.batch != null) {
				this.batch.flush();
			}
			else {
				this.connection.flushCommands();
			}
			this.unflushed = 0;
		}
	}

	/**
	 * Wait for a reply.
	 * @param reply the command
	 * @param <T> the reply type
	 * @return the reply
	 * @throws RedisUnavailableException if the connection failed or Redis did not answer in time
	 */
	<T> T await(AsyncCommand<byte[], byte[], T> reply) throws Exception {
		try {
			return reply.get(this.timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException ex) {
			throw new RedisUnavailableException("Redis connection failed: " + ex.getCause().getMessage(), ex.getCause());
		}
		catch (TimeoutException ex) {
			throw new RedisUnavailableException("Redis did not answer within " + this.timeout.toMillis() + " ms", ex);
		}
	}

	@Override
	public void close() {
		if (this.cluster != null) {
			this.cluster.close();
		}
		this.window.clear();
		this.unflushed = 0;
		if (this.batch != null) {
			this.batch.clear();
			this.batch = null;
		}
		if (this.connection != null) {
			this.connection.close();
			this.connection = null;
		}
	}

	/**
	 * Close the connection and the sink's client, leaving the application's client resources alone; the
	 * next {@link #open()} creates a new client.
	 */
	void shutdown() {
		close();
		if (this.cluster != null) {
			this.cluster.shutdown();
		}
		RedisClient client = this.client;
		this.client = null;
		if (client != null) {
			client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		}
	}

	private <T> AsyncCommand<byte[], byte[], T> send(Command<byte[], byte[], T> command) {
		AsyncCommand<byte[], byte[], T> async = new AsyncCommand<>(command);
		write(async);
		flush();
		return async;
	}

	private void write(io.lettuce.core.protocol.RedisCommand<byte[], byte[], ?> command) {
		if (this.connection == null) {
			throw new RedisUnavailableException("Redis connection is closed", null);
		}
		if (this.batch != null) {
			this.batch.add(command);
		}
		else {
			this.connection.dispatch(command);
		}
		this.unflushed++;
	}

	static ProtocolKeyword keyword(String name) {
		return KEYWORDS.computeIfAbsent(name, Keyword::new);
	}

	private static ProtocolKeyword untracked(String name) {
		return new Keyword(name) {

			@Override
			public String toString() {
				// not "MULTI"/"EXEC": Lettuce tracks transactions by these names, see the class comment
				return "pgcdc-" + name;
			}

		};
	}

	/**
	 * Arguments already encoded as Redis reads them ({@link ArgumentBuffer}), written into the output buffer
	 * with one copy: no wrapper object per argument and no per-byte writes, which were most of what a command
	 * cost the event loop.
	 */
	static final class RenderedArgs extends CommandArgs<byte[], byte[]> {

		private final byte[] encoded;

		private final int count;

		RenderedArgs(byte[] encoded, int count) {
			super(ByteArrayCodec.INSTANCE);
			this.encoded = encoded;
			this.count = count;
		}

		static RenderedArgs of(byte[][] args) {
			RedisCommand command = new RedisCommand("", args, "");
			return new RenderedArgs(command.encodedArgs(), command.argCount());
		}

		@Override
		public int count() {
			return this.count;
		}

		@Override
		public void encode(ByteBuf buffer) {
			buffer.writeBytes(this.encoded);
		}

		@Override
		public String toCommandString() {
			return this.count + " rendered arguments";
		}

	}

	/** A command name as sent. */
	private static class Keyword implements ProtocolKeyword {

		private final String name;

		private final byte[] bytes;

		Keyword(String name) {
			this.name = name;
			this.bytes = name.getBytes(StandardCharsets.US_ASCII);
		}

		@Override
		public byte[] getBytes() {
			return this.bytes;
		}

		@Override
		public String name() {
			return toString();
		}

		@Override
		public String toString() {
			return this.name;
		}

	}

}
