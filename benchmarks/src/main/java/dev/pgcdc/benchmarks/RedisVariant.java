package dev.pgcdc.benchmarks;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.pgcdc.benchmarks.app.FullPathApplication;
import dev.pgcdc.redis.RedisSink;
import dev.pgcdc.replication.ReplicationEngine;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import redis.embedded.RedisServer;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * W1 through the Redis command-template sink: the auto-configured application with the mapping
 * {@code HSET w1:{id} {pairs:*}} and {@code SADD w1:ids {id}}, writing to a Redis server started for the run
 * (no persistence). A row counts when Redis holds it: a poller follows {@code SCARD w1:ids}, so the time is
 * that of rows applied to Redis, not of rows handed to the sink.
 */
final class RedisVariant {

	private final BenchmarkDatabase database;

	RedisVariant(BenchmarkDatabase database) {
		this.database = database;
	}

	Result run(String slot, long rows, long timeoutMillis) throws Exception {
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		RedisServer redis = RedisServer.newRedisServer().port(port).setting("save \"\"").setting("appendonly no").build();
		redis.start();
		try (RedisClient client = RedisClient.create("redis://localhost:" + port);
				StatefulRedisConnection<String, String> connection = client.connect()) {
			Measurement measurement = new Measurement(this.database, slot, rows);
			Progress progress = measurement.progress();
			Map<String, Object> properties = FullPathVariant.applicationProperties(this.database, slot);
			properties.put("spring.data.redis.port", port);
			properties.put("cdc.slot.create", "false");
			properties.put("cdc.publication.name", W1Workload.PUBLICATION);
			properties.put("cdc.publication.tables", W1Workload.TABLE);
			properties.put("cdc.application-events.enabled", "false");
			properties.put("cdc.redis.mappings." + W1Workload.TABLE + ".insert[0]", "HSET w1:{id} {pairs:*}");
			properties.put("cdc.redis.mappings." + W1Workload.TABLE + ".insert[1]", "SADD w1:ids {id}");
			properties.put(FullPathApplication.LISTENER_PROPERTY, "none");
			String note;
			try (ConfigurableApplicationContext context = FullPathVariant.start(FullPathApplication.class, properties)) {
				RedisSink sink = context.getBean(RedisSink.class);
				Thread poller = new Thread(() -> follow(connection, progress), "bench-redis-poller");
				poller.setDaemon(true);
				poller.start();
				String problem = measurement.await(timeoutMillis, context.getBean(ReplicationEngine.class));
				poller.interrupt();
				double seconds = (progress.lastNanos() - progress.firstNanos()) / 1e9;
				long commands = sink.statistics().commands();
				note = (problem != null) ? problem
						: String.format("%,.0f Redis commands/s (%,d commands, %,d MULTI/EXEC); CPU us/row: writer %.2f, "
								+ "lettuce %.2f, redis-server %s", (seconds > 0) ? commands / seconds : 0, commands,
								sink.statistics().transactions(), CpuSnapshot.threadCpuNanos("pgcdc-redis-writer") / 1e3 / rows,
								CpuSnapshot.threadCpuNanos("lettuce-") / 1e3 / rows, redisCpu(port, rows));
			}
			return measurement.result(Options.REDIS, note);
		}
		finally {
			redis.stop();
		}
	}

	/** CPU microseconds per row of the Redis server process over its life (it served only this run). */
	private static String redisCpu(int port, long rows) {
		try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
			for (Path process : processes) {
				String command = Files.readString(process.resolve("cmdline")).replace('\0', ' ');
				if (command.contains("redis-server") && command.contains(":" + port)) {
					long ticks = CpuSnapshot.processTicks(Integer.parseInt(process.getFileName().toString()));
					return (ticks >= 0) ? String.format("%.2f", ticks * 1e4 / rows) : "-";
				}
			}
		}
		catch (IOException | RuntimeException ex) {
			// not on Linux, or the process is gone
		}
		return "-";
	}

	/**
	 * Report rows as Redis comes to hold them, looking every 2 ms: often enough for the timing, rarely
	 * enough not to compete with the sink for Redis.
	 */
	private static void follow(StatefulRedisConnection<String, String> connection, Progress progress) {
		long seen = 0;
		while (!Thread.currentThread().isInterrupted() && !progress.isComplete()) {
			long held = connection.sync().scard("w1:ids");
			for (; seen < held; seen++) {
				progress.arrived();
			}
			try {
				Thread.sleep(2);
			}
			catch (InterruptedException ex) {
				return;
			}
		}
	}

}
