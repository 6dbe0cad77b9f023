package dev.pgcdc.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import io.debezium.embedded.Connect;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The peer: Debezium Embedded with its PostgreSQL connector ({@code plugin.name=pgoutput}) draining its own
 * slot and publication on the same W1 rows, to a no-op consumer of {@code ChangeEvent<SourceRecord>} (the
 * Connect format, so no serialisation to JSON is counted). Offsets stay in memory and
 * {@code snapshot.mode=no_data}, so it streams the rows inserted after its slot was created, as pgcdc does.
 * A row counts when the consumer got its insert record.
 */
final class DebeziumVariant {

	/** The connector's threads are named after it: {@code debezium-postgresconnector-<topic.prefix>-...}. */
	private static final String TOPIC_PREFIX = "bench";

	private final BenchmarkDatabase database;

	DebeziumVariant(BenchmarkDatabase database) {
		this.database = database;
	}

	Result run(String slot, long rows, long timeoutMillis) throws Exception {
		Measurement measurement = new Measurement(this.database, slot, rows);
		Progress progress = measurement.progress();
		AtomicReference<Throwable> failure = new AtomicReference<>();
		AtomicReference<String> stopped = new AtomicReference<>();
		String table = TOPIC_PREFIX + ".public." + W1Workload.TABLE;
		DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> engine = DebeziumEngine.create(Connect.class)
			.using(properties(slot))
			.notifying((event) -> {
				SourceRecord record = event.value();
				if (record != null && record.value() != null && table.equals(record.topic())) {
					progress.arrived();
				}
			})
			.using((success, message, error) -> {
				if (!success || error != null) {
					failure.set((error != null) ? error : new IllegalStateException(message));
				}
				stopped.set((message != null) ? message : "stopped");
			})
			.build();
		ExecutorService executor = Executors.newSingleThreadExecutor((task) -> {
			Thread thread = new Thread(task, "bench-debezium-engine");
			thread.setDaemon(true);
			return thread;
		});
		String problem;
		String threads;
		try {
			executor.execute(engine);
			problem = measurement.await(timeoutMillis, () -> (failure.get() != null) ? "failed: " + failure.get()
					: (stopped.get() != null) ? "engine stopped: " + stopped.get() : null);
			threads = busiestThreads(rows);
		}
		finally {
			engine.close();
			executor.shutdown();
			executor.awaitTermination(30, TimeUnit.SECONDS);
		}
		return measurement.result(Options.DEBEZIUM, (problem != null) ? problem : "busiest threads, CPU us/row: " + threads);
	}

	/** The four threads of this JVM that used the most CPU so far, in microseconds per row: where Debezium's time goes. */
	private static String busiestThreads(long rows) {
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		if (!threads.isThreadCpuTimeSupported()) {
			return "-";
		}
		Map<String, Long> byName = new HashMap<>();
		for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
			if (info != null) {
				byName.merge(info.getThreadName().replaceAll("\\d+", "N"), Math.max(0, threads.getThreadCpuTime(info.getThreadId())),
						Long::sum);
			}
		}
		return byName.entrySet()
			.stream()
			.sorted(Map.Entry.<String, Long>comparingByValue().reversed())
			.limit(4)
			.map((entry) -> String.format("%s %.1f", entry.getKey(), entry.getValue() / 1e3 / rows))
			.collect(Collectors.joining(", "));
	}

	private Properties properties(String slot) {
		URI uri = URI.create(this.database.url().substring("jdbc:".length()));
		Properties properties = new Properties();
		properties.setProperty("name", "pgcdc-bench-debezium");
		properties.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
		properties.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
		properties.setProperty("offset.flush.interval.ms", "10000");
		properties.setProperty("database.hostname", (uri.getHost() != null) ? uri.getHost() : "localhost");
		properties.setProperty("database.port", String.valueOf((uri.getPort() > 0) ? uri.getPort() : 5432));
		properties.setProperty("database.dbname", uri.getPath().substring(1));
		properties.setProperty("database.user", this.database.user());
		if (this.database.password() != null) {
			properties.setProperty("database.password", this.database.password());
		}
		properties.setProperty("topic.prefix", TOPIC_PREFIX);
		properties.setProperty("plugin.name", "pgoutput");
		properties.setProperty("slot.name", slot);
		properties.setProperty("publication.name", W1Workload.DEBEZIUM_PUBLICATION);
		properties.setProperty("publication.autocreate.mode", "disabled");
		properties.setProperty("table.include.list", "public." + W1Workload.TABLE);
		// the slot exists since before the rows were inserted: stream them, snapshot nothing
		properties.setProperty("snapshot.mode", "no_data");
		properties.setProperty("slot.drop.on.stop", "false");
		return properties;
	}

}
