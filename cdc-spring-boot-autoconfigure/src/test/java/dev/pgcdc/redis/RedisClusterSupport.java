package dev.pgcdc.redis;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import io.lettuce.core.MigrateArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.embedded.RedisServer;

import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.awaitility.Awaitility.await;

/**
 * A real Redis Cluster of three masters for a test class, from the {@code redis-server} binary of the
 * embedded-redis artifact the other Redis tests use: {@code --cluster-enabled yes} on free ports, each node
 * in its own directory under {@code target/redis-cluster}, the 16,384 slots split in three ranges with
 * {@code CLUSTER ADDSLOTS} (in chunks: Redis 6.2 has no {@code ADDSLOTSRANGE}), joined with
 * {@code CLUSTER MEET}, ready once every node reports {@code cluster_state:ok}; {@link #withReplica()} adds a
 * fourth node that replicates the first master ({@code CLUSTER REPLICATE}), ready once its link is up.
 * Register it with {@code @RegisterExtension static}; it stops the nodes after the class.
 */
final class RedisClusterSupport implements BeforeAllCallback, AfterAllCallback {

	private static final int MASTERS = 3;

	private static final int SLOTS_PER_CALL = 1000;

	private final List<RedisServer> servers = new ArrayList<>();

	private final List<Integer> ports = new ArrayList<>();

	private RedisClient nodes;

	private boolean replica;

	/**
	 * Add a replica of the first master, as node {@code 3}, that the cluster promotes when that master fails.
	 * @return this support
	 */
	RedisClusterSupport withReplica() {
		this.replica = true;
		return this;
	}

	@Override
	public void beforeAll(ExtensionContext context) throws Exception {
		start(context.getRequiredTestClass().getSimpleName());
	}

	@Override
	public void afterAll(ExtensionContext context) {
		stop();
	}

	void start(String name) throws Exception {
		Path root = Path.of("target", "redis-cluster", name).toAbsolutePath();
		for (int i = 0; i < MASTERS; i++) {
			startNode(root);
		}
		this.nodes = RedisClient.create();
		int first = 0;
		for (int i = 0; i < MASTERS; i++) {
			int last = (i == MASTERS - 1) ? ClusterSlots.SLOTS - 1 : (ClusterSlots.SLOTS * (i + 1) / MASTERS) - 1;
			try (StatefulRedisConnection<String, String> node = node(i)) {
				for (int from = first; from <= last; from += SLOTS_PER_CALL) {
					node.sync().clusterAddSlots(IntStream.rangeClosed(from, Math.min(last, from + SLOTS_PER_CALL - 1)).toArray());
				}
				if (i > 0) {
					node.sync().clusterMeet("127.0.0.1", this.ports.get(0));
				}
			}
			first = last + 1;
		}
		for (int i = 0; i < MASTERS; i++) {
			try (StatefulRedisConnection<String, String> node = node(i)) {
				await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
					String info = node.sync().clusterInfo();
					return info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:" + MASTERS)
							&& info.contains("cluster_slots_assigned:" + ClusterSlots.SLOTS);
				});
			}
		}
		if (this.replica) {
			startNode(root);
			try (StatefulRedisConnection<String, String> replica = node(MASTERS);
					StatefulRedisConnection<String, String> master = node(0)) {
				replica.sync().clusterMeet("127.0.0.1", this.ports.get(0));
				String masterId = master.sync().clusterMyId();
				await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
					.until(() -> replica.sync().clusterNodes().contains(masterId));
				replica.sync().clusterReplicate(masterId);
				await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
					.until(() -> replica.sync().info("replication").contains("master_link_status:up")
							&& replica.sync().clusterInfo().contains("cluster_state:ok"));
			}
			// the masters vote for a replica only once gossip has told them of it
			for (int i = 0; i <= MASTERS; i++) {
				try (StatefulRedisConnection<String, String> node = node(i)) {
					await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
						.until(() -> node.sync().clusterInfo().contains("cluster_known_nodes:" + (MASTERS + 1)));
				}
			}
		}
	}

	private void startNode(Path root) throws IOException {
		int port = freePort();
		Path dir = Files.createDirectories(root.resolve(Integer.toString(port)));
		try (var old = Files.list(dir)) {
			for (Path file : old.toList()) {
				Files.delete(file);
			}
		}
		RedisServer server = RedisServer.newRedisServer()
			.port(port)
			.setting("cluster-enabled yes")
			.setting("cluster-config-file nodes.conf")
			.setting("cluster-node-timeout 5000")
			.setting("dir " + dir)
			.setting("save \"\"")
			.setting("appendonly no")
			.build();
		server.start();
		this.servers.add(server);
		this.ports.add(port);
	}

	void stop() {
		if (this.nodes != null) {
			this.nodes.shutdown(Duration.ZERO, Duration.ofSeconds(2));
			this.nodes = null;
		}
		for (RedisServer server : this.servers) {
			try {
				server.stop();
			}
			catch (IOException | RuntimeException ex) {
				// stopping the others anyway
			}
		}
		this.servers.clear();
		this.ports.clear();
	}

	List<Integer> ports() {
		return List.copyOf(this.ports);
	}

	/** A Spring connection factory for the cluster, as {@code spring.data.redis.cluster.nodes} makes. */
	LettuceConnectionFactory connectionFactory() {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(new RedisClusterConfiguration(
				this.ports.stream().map((port) -> "127.0.0.1:" + port).toList()));
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	/** A cluster client for the test's own reads; the caller shuts it down. */
	RedisClusterClient client() {
		return RedisClusterClient.create(this.ports.stream().map((port) -> RedisURI.create("127.0.0.1", port)).toList());
	}

	/** Delete every key on every node. */
	void flushAll() {
		for (int i = 0; i < MASTERS; i++) {
			try (StatefulRedisConnection<String, String> node = node(i)) {
				node.sync().flushall();
			}
		}
	}

	/** A plain connection to one node. */
	StatefulRedisConnection<String, String> node(int index) {
		return this.nodes.connect(RedisURI.create("127.0.0.1", this.ports.get(index)));
	}

	/** The index of the node that owns a slot. */
	int owner(int slot) {
		for (int i = 0; i < MASTERS; i++) {
			try (StatefulRedisConnection<String, String> node = node(i)) {
				String myId = node.sync().clusterMyId();
				for (String line : node.sync().clusterNodes().split("\n")) {
					if (line.startsWith(myId) && ownsSlot(line, slot)) {
						return i;
					}
				}
			}
		}
		throw new IllegalStateException("no node owns slot " + slot);
	}

	/**
	 * Move one slot from its owner to another node as a resharding tool does: {@code SETSLOT IMPORTING} on
	 * the target, {@code MIGRATING} on the source, {@code MIGRATE} the keys one at a time (the caller's
	 * {@code betweenBatches} waits for the sink to write more in between), then {@code SETSLOT NODE}
	 * everywhere.
	 * @return how many keys were migrated
	 */
	int migrateSlot(int slot, int from, int to, Runnable betweenBatches) {
		int moved = 0;
		try (StatefulRedisConnection<String, String> source = node(from);
				StatefulRedisConnection<String, String> target = node(to)) {
			RedisCommands<String, String> src = source.sync();
			RedisCommands<String, String> dst = target.sync();
			String sourceId = src.clusterMyId();
			String targetId = dst.clusterMyId();
			dst.clusterSetSlotImporting(slot, sourceId);
			src.clusterSetSlotMigrating(slot, targetId);
			List<String> keys;
			while (!(keys = src.clusterGetKeysInSlot(slot, 1)).isEmpty()) {
				src.migrate("127.0.0.1", this.ports.get(to), 0, 5000, MigrateArgs.Builder.keys(keys));
				moved += keys.size();
				betweenBatches.run();
			}
			dst.clusterSetSlotNode(slot, targetId);
			src.clusterSetSlotNode(slot, targetId);
			for (int i = 0; i < MASTERS; i++) {
				if (i != from && i != to) {
					try (StatefulRedisConnection<String, String> other = node(i)) {
						other.sync().clusterSetSlotNode(slot, targetId);
					}
				}
			}
		}
		return moved;
	}

	private static boolean ownsSlot(String nodesLine, int slot) {
		String[] fields = nodesLine.split(" ");
		for (int f = 8; f < fields.length; f++) {
			String range = fields[f];
			if (range.startsWith("[")) {
				continue;
			}
			int dash = range.indexOf('-');
			int low = Integer.parseInt((dash < 0) ? range : range.substring(0, dash));
			int high = (dash < 0) ? low : Integer.parseInt(range.substring(dash + 1));
			if (slot >= low && slot <= high) {
				return true;
			}
		}
		return false;
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
