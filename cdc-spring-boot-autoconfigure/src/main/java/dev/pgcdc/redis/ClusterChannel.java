package dev.pgcdc.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import dev.pgcdc.redis.ReplyOutputs.ErrorsOnlyOutput;
import dev.pgcdc.redis.ReplyOutputs.ExecOutput;
import dev.pgcdc.redis.ReplyOutputs.GuardReplies;
import dev.pgcdc.redis.ReplyOutputs.QueuedReplies;

import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.resource.ClientResources;

import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisNode;
import org.springframework.data.redis.connection.RedisPassword;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * The sink's connection to a Redis Cluster: a transaction's commands go out grouped by hash slot, each
 * group in its own {@code MULTI}/{@code EXEC} block on the master that owns the slot, all groups of a
 * transaction pipelined together and then awaited.
 *
 * <p>With exactly-once each group is guarded by its slot's own fence ({@link ClusterSlots#fenceKey}), the
 * same compare-and-set as on a single Redis ({@link FenceScript}): a replay after a crash is skipped slot by
 * slot. Redirections are followed: {@code MOVED} sends the group again to the node it names (and refreshes
 * the slot map); {@code ASK} sends it to the importing node behind {@code ASKING} (before {@code WATCH},
 * {@code EVAL} and {@code MULTI}), but only when every key of the group was absent from the migrating node:
 * a group of which some keys are still there and some were moved already is sent again to the migrating
 * node a moment later, so that no key is ever written on both nodes. {@code TRYAGAIN} and
 * {@code CLUSTERDOWN} are retried the same way, until the write timeout.
 *
 * @author pgcdc
 */
final class ClusterChannel {

	private static final ProtocolKeyword ASKING = LettuceChannel.keyword("ASKING");

	private static final long PAUSE_MILLIS = 10;

	private final Supplier<RedisClusterClient> clients;

	private final Duration timeout;

	private volatile RedisClusterClient client;

	private StatefulRedisClusterConnection<byte[], byte[]> connection;

	private byte[][] fenceKeys;

	private String fenceBase;

	private ClusterChannel(Supplier<RedisClusterClient> clients, Duration timeout) {
		this.clients = clients;
		this.timeout = timeout;
	}

	static ClusterChannel create(LettuceConnectionFactory lettuce, Duration timeout) {
		RedisClusterConfiguration cluster = lettuce.getClusterConfiguration();
		if (cluster.getClusterNodes().isEmpty()) {
			throw new IllegalStateException("The Redis Cluster configuration names no node; set "
					+ "spring.data.redis.cluster.nodes");
		}
		List<RedisURI> seeds = new ArrayList<>();
		RedisPassword password = cluster.getPassword();
		for (RedisNode node : cluster.getClusterNodes()) {
			RedisURI.Builder uri = RedisURI.builder()
				.withHost(node.getHost())
				.withPort(node.getPort())
				.withSsl(lettuce.isUseSsl())
				.withVerifyPeer(lettuce.isVerifyPeer())
				.withTimeout(timeout)
				.withClientName("pgcdc-redis-sink");
			if (password.isPresent()) {
				uri.withAuthentication(cluster.getUsername(), password.get());
			}
			seeds.add(uri.build());
		}
		return new ClusterChannel(() -> {
			ClientResources resources = lettuce.getClientResources();
			RedisClusterClient client = (resources != null) ? RedisClusterClient.create(resources, seeds)
					: RedisClusterClient.create(seeds);
			// as for a single Redis (see LettuceChannel): no auto-reconnect, no timer per command
			client.setOptions(ClusterClientOptions.builder()
				.autoReconnect(false)
				.timeoutOptions(TimeoutOptions.builder().timeoutCommands(false).build())
				.build());
			return client;
		}, timeout);
	}

	/**
	 * Set the fence key the per-slot fence keys are made of.
	 * @param fenceKey the configured fence key, its {@code {slot}} already replaced
	 */
	void fence(String fenceKey) {
		this.fenceBase = fenceKey;
		this.fenceKeys = new byte[ClusterSlots.SLOTS][];
	}

	void open() {
		close();
		RedisClusterClient client = this.client;
		boolean reopened = client != null;
		if (client == null) {
			client = this.clients.get();
			this.client = client;
		}
		try {
			if (reopened) {
				// opened again after a failure: the slot map may still name a master that died, and only a
				// fresh one names the replica the cluster promoted in its place
				client.refreshPartitions();
			}
			this.connection = client.connect(ByteArrayCodec.INSTANCE);
			this.connection.sync().ping();
		}
		catch (RuntimeException ex) {
			close();
			throw new RedisUnavailableException("Cannot connect to the Redis Cluster: " + ex.getMessage(), ex);
		}
	}

	boolean isOpen() {
		return this.connection != null && this.connection.isOpen();
	}

	void close() {
		if (this.connection != null) {
			this.connection.close();
			this.connection = null;
		}
	}

	void shutdown() {
		close();
		RedisClusterClient client = this.client;
		this.client = null;
		if (client != null) {
			client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		}
	}

	/**
	 * Apply one transaction: each slot's commands in one block on the slot's master.
	 * @param commands the transaction's commands, in order
	 * @param position the commit position for the per-slot fences, {@code null} when not fenced
	 * @return the outcome: a refused command's reply or, when every group ran or was covered, a success
	 * @throws RedisUnavailableException if a node cannot be reached or the cluster does not settle in time
	 */
	Applied apply(List<RedisCommand> commands, byte[] position) throws Exception {
		Map<Integer, Group> bySlot = new LinkedHashMap<>();
		for (int i = 0; i < commands.size(); i++) {
			RedisCommand command = commands.get(i);
			bySlot.computeIfAbsent(ClusterSlots.slot(command), Group::new).add(command, i);
		}
		List<Group> open = new ArrayList<>(bySlot.values());
		int skipped = 0;
		int redirections = 0;
		long deadline = System.nanoTime() + this.timeout.toNanos();
		while (!open.isEmpty()) {
			Map<StatefulRedisConnection<byte[], byte[]>, Boolean> used = new HashMap<>();
			for (Group group : open) {
				StatefulRedisConnection<byte[], byte[]> node = node(group);
				used.put(node, Boolean.TRUE);
				group.exec = send(node, group, position);
			}
			used.keySet().forEach(StatefulRedisConnection::flushCommands);
			List<Group> again = new ArrayList<>();
			boolean moved = false;
			for (Group group : open) {
				ExecReply reply = await(group.exec);
				String redirect = redirection(reply);
				if (redirect != null) {
					moved |= follow(group, reply, redirect, position != null);
					again.add(group);
					redirections++;
				}
				else if (reply.guardError() != null || (!reply.succeeded() && !reply.discarded())) {
					return new Applied(group.global(reply), skipped, redirections);
				}
				else if (reply.discarded()) {
					// the guard found the block at or below the fence: applied before; else the fence moved
					if (ClusterSlots.covered(reply.fence(), position)) {
						skipped++;
					}
					else {
						again.add(group);
					}
				}
			}
			open = again;
			if (moved) {
				// once per round, not per block: all blocks of a moved slot range point at the new map
				this.client.refreshPartitions();
			}
			if (!open.isEmpty()) {
				if (System.nanoTime() > deadline) {
					throw new RedisUnavailableException("The Redis Cluster kept redirecting the sink (resharding "
							+ "or a failover in progress) for " + this.timeout.toMillis() + " ms", null);
				}
				TimeUnit.MILLISECONDS.sleep(PAUSE_MILLIS);
			}
		}
		return new Applied(null, skipped, redirections);
	}

	/** Where a group goes: the node a redirection named, else the slot's master in the client's map. */
	private StatefulRedisConnection<byte[], byte[]> node(Group group) {
		if (this.connection == null) {
			throw new RedisUnavailableException("Redis Cluster connection is closed", null);
		}
		try {
			StatefulRedisConnection<byte[], byte[]> node;
			if (group.host != null) {
				node = this.connection.getConnection(group.host, group.port);
			}
			else {
				RedisClusterNode master = this.connection.getPartitions().getMasterBySlot(group.slot);
				if (master == null) {
					this.client.refreshPartitions();
					master = this.connection.getPartitions().getMasterBySlot(group.slot);
				}
				if (master == null) {
					throw new RedisUnavailableException("No Redis Cluster node serves hash slot " + group.slot, null);
				}
				node = this.connection.getConnection(master.getNodeId());
			}
			node.setAutoFlushCommands(false);
			return node;
		}
		catch (RedisUnavailableException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
			throw new RedisUnavailableException("Cannot reach a Redis Cluster node: " + ex.getMessage(), ex);
		}
	}

	private AsyncCommand<byte[], byte[], ExecReply> send(StatefulRedisConnection<byte[], byte[]> node, Group group,
			byte[] position) {
		GuardReplies guard = null;
		if (position != null) {
			byte[] fenceKey = fenceKey(group.slot);
			guard = new GuardReplies();
			asking(node, group);
			node.dispatch(new Command<>(LettuceChannel.keyword("WATCH"), guard.watch(),
					LettuceChannel.RenderedArgs.of(new byte[][] { fenceKey })));
			asking(node, group);
			node.dispatch(new Command<>(LettuceChannel.keyword("EVAL"), guard,
					LettuceChannel.RenderedArgs.of(FenceScript.evalArgs(fenceKey, position))));
		}
		QueuedReplies replies = new QueuedReplies();
		asking(node, group);
		node.dispatch(new Command<>(LettuceChannel.MULTI, replies));
		for (RedisCommand command : group.commands) {
			node.dispatch(new Command<>(LettuceChannel.keyword(command.name()), replies,
					new LettuceChannel.RenderedArgs(command.encodedArgs(), command.argCount())));
		}
		if (position != null) {
			node.dispatch(new Command<>(LettuceChannel.keyword("SET"), replies,
					LettuceChannel.RenderedArgs.of(new byte[][] { fenceKey(group.slot), position })));
		}
		AsyncCommand<byte[], byte[], ExecReply> exec = new AsyncCommand<>(
				new Command<>(LettuceChannel.EXEC, new ExecOutput(replies, guard)));
		node.dispatch(exec);
		return exec;
	}

	private static void asking(StatefulRedisConnection<byte[], byte[]> node, Group group) {
		if (group.asking) {
			node.dispatch(new Command<>(ASKING, new ErrorsOnlyOutput<Void>() {

				@Override
				public void setError(String error) {
				}

			}));
		}
	}

	private byte[] fenceKey(int slot) {
		byte[] key = this.fenceKeys[slot];
		if (key == null) {
			key = RedisValues.bytes(ClusterSlots.fenceKey(this.fenceBase, slot));
			this.fenceKeys[slot] = key;
		}
		return key;
	}

	/** The first MOVED, ASK, TRYAGAIN or CLUSTERDOWN error of a block, {@code null} if none. */
	private static String redirection(ExecReply reply) {
		List<String> errors = new ArrayList<>();
		if (reply.guardError() != null) {
			errors.add(reply.guardError());
		}
		errors.addAll(reply.queueErrors());
		if (reply.blockError() != null) {
			errors.add(reply.blockError());
		}
		for (String error : errors) {
			if (error.startsWith("MOVED ") || error.startsWith("ASK ") || error.startsWith("TRYAGAIN")
					|| error.startsWith("CLUSTERDOWN")) {
				return error;
			}
		}
		return null;
	}

	/**
	 * Point a redirected group where it goes next.
	 * @return whether the slot moved for good ({@code MOVED}): the client's slot map is out of date
	 */
	private static boolean follow(Group group, ExecReply reply, String error, boolean fenced) {
		group.host = null;
		group.asking = false;
		if (error.startsWith("MOVED ")) {
			target(group, error);
			return true;
		}
		if (error.startsWith("ASK ")) {
			// every command (and the guard) answered ASK: none of the group's keys is left on the migrating node
			int expected = group.commands.size() + (fenced ? 1 : 0);
			boolean allAsked = reply.queueErrors().size() == expected
					&& reply.queueErrors().stream().allMatch((queued) -> queued.startsWith("ASK "))
					&& (!fenced || (reply.guardError() != null && reply.guardError().startsWith("ASK ")));
			if (allAsked) {
				target(group, error);
				group.asking = true;
			}
		}
		return false;
	}

	/** Point a group at the node of a {@code MOVED slot host:port} or {@code ASK slot host:port} error. */
	private static void target(Group group, String error) {
		String address = error.substring(error.lastIndexOf(' ') + 1);
		int colon = address.lastIndexOf(':');
		group.host = address.substring(0, colon);
		group.port = Integer.parseInt(address.substring(colon + 1));
	}

	private <T> T await(AsyncCommand<byte[], byte[], T> reply) throws Exception {
		try {
			return reply.get(this.timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException ex) {
			throw new RedisUnavailableException("Redis Cluster connection failed: " + ex.getCause().getMessage(),
					ex.getCause());
		}
		catch (TimeoutException ex) {
			throw new RedisUnavailableException("Redis Cluster did not answer within " + this.timeout.toMillis() + " ms",
					ex);
		}
	}

	/**
	 * The outcome of one transaction.
	 *
	 * @param refused the reply of a group Redis refused (its failure indexes count in the whole transaction),
	 * {@code null} when every group ran or was covered by its fence
	 * @param skipped how many groups their fence covered (replays)
	 * @param redirections how many times a group was redirected and sent again
	 */
	record Applied(ExecReply refused, int skipped, int redirections) {
	}

	/** The commands of one transaction in one hash slot, in order, and where they go. */
	private static final class Group {

		private final int slot;

		private final List<RedisCommand> commands = new ArrayList<>();

		private final List<Integer> indexes = new ArrayList<>();

		private String host;

		private int port;

		private boolean asking;

		private AsyncCommand<byte[], byte[], ExecReply> exec;

		Group(int slot) {
			this.slot = slot;
		}

		void add(RedisCommand command, int index) {
			this.commands.add(command);
			this.indexes.add(index);
		}

		/** The reply with its failures numbered as in the whole transaction. */
		ExecReply global(ExecReply reply) {
			List<ExecReply.Failure> failures = new ArrayList<>();
			for (ExecReply.Failure failure : reply.failures()) {
				int index = (failure.index() < this.indexes.size()) ? this.indexes.get(failure.index()) : failure.index();
				failures.add(new ExecReply.Failure(index, failure.error()));
			}
			return new ExecReply(reply.blockError(), reply.queueErrors(), failures, reply.discarded(), reply.fence(),
					reply.guardError());
		}

	}

}
