package dev.pgcdc.redis;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import dev.pgcdc.event.Operation;
import dev.pgcdc.replication.ConnectionSettings;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.ReplicationSettings;

import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;

/**
 * A consuming application in its own JVM, the engine plus the Redis sink, so that tests can kill it with
 * SIGKILL. Arguments: JDBC URL, slot (also the publication), Redis port (or a Redis Cluster's ports separated
 * by commas), exactly-once ({@code true} or
 * {@code false}). It keeps per-customer order totals and an order count with INCRBY/INCR, the mappings a
 * replay would double.
 */
public final class RedisSinkProcess {

	private RedisSinkProcess() {
	}

	public static void main(String[] args) throws Exception {
		String url = args[0];
		String slot = args[1];
		boolean exactlyOnce = Boolean.parseBoolean(args[3]);
		ReplicationSettings settings = ReplicationSettings.builder(new ConnectionSettings(url, "postgres", "postgres"), slot, slot)
			.tables(List.of("orders"))
			.statusInterval(Duration.ofSeconds(2))
			.heartbeatInterval(Duration.ofSeconds(5))
			.build();
		LettuceConnectionFactory factory = args[2].contains(",") ? clusterFactory(args[2])
				: RedisTestSupport.connectionFactory(Integer.parseInt(args[2]));
		SimpleDriverDataSource dataSource = new SimpleDriverDataSource(new org.postgresql.Driver(), url, "postgres", "postgres");
		RedisSink sink = RedisSinkFactory.create(RedisSinkSettings.defaults().withExactlyOnce(exactlyOnce), null,
				List.of(counters()), settings, dataSource, factory, null);
		ReplicationEngine engine = RedisTestSupport.engine(settings, List.of(sink));
		sink.start();
		engine.start();
		System.out.println("STREAMING");
		new CountDownLatch(1).await();
	}

	/** A Redis Cluster given as its nodes' ports, {@code 7001,7002,7003}. */
	private static LettuceConnectionFactory clusterFactory(String ports) {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(new RedisClusterConfiguration(
				java.util.Arrays.stream(ports.split(",")).map((port) -> "127.0.0.1:" + port).toList()));
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	static TableMappingSpec counters() {
		Map<Operation, List<CommandSpec>> orders = new EnumMap<>(Operation.class);
		orders.put(Operation.INSERT, List.of(CommandSpec.of("INCRBY customer:{customer}:total {amount}"),
				CommandSpec.of("INCR orders:count")));
		return new TableMappingSpec("orders", orders);
	}

}
