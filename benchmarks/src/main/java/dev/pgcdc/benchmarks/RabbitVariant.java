package dev.pgcdc.benchmarks;

import java.util.Map;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.pgcdc.benchmarks.app.FullPathApplication;
import dev.pgcdc.rabbit.RabbitSink;
import dev.pgcdc.rabbit.RabbitSinkStatistics;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.test.EmbeddedRabbitSupport;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * W1 through the RabbitMQ sink: the auto-configured application publishing every row (native JSON,
 * persistent, publisher confirms) to the topic exchange {@code cdc} of a private broker node started for the
 * run, into a durable queue bound by {@code #} that keeps its newest 100,000 messages (so the broker's memory
 * stays flat). A row counts when the broker confirmed its message: a poller follows the sink's confirm count.
 */
final class RabbitVariant {

	private static final String QUEUE = "w1";

	private final BenchmarkDatabase database;

	RabbitVariant(BenchmarkDatabase database) {
		this.database = database;
	}

	/**
	 * How many rows a run measures at most ({@code -Dbench.rabbit.rows}): at the broker's rate here, a whole
	 * W1 slot takes about 110 s a round, while the rate is steady after the first second; the application
	 * stops once these have been confirmed and the rest of the slot is dropped with it.
	 */
	static final long MEASURED_ROWS = Long.getLong("bench.rabbit.rows", 200_000);

	Result run(String slot, long allRows, long timeoutMillis) throws Exception {
		long rows = Math.min(allRows, MEASURED_ROWS);
		try (EmbeddedRabbitSupport.Node rabbit = EmbeddedRabbitSupport.startNew("bench")) {
			try (Connection connection = rabbit.clientFactory().newConnection();
					Channel channel = connection.createChannel()) {
				channel.exchangeDeclare("cdc", "topic", true);
				channel.queueDeclare(QUEUE, true, false, false, queueArguments());
				channel.queueBind(QUEUE, "cdc", "#");
			}
			Measurement measurement = new Measurement(this.database, slot, rows);
			Progress progress = measurement.progress();
			Map<String, Object> properties = FullPathVariant.applicationProperties(this.database, slot);
			properties.put("spring.rabbitmq.host", "127.0.0.1");
			properties.put("spring.rabbitmq.port", rabbit.port());
			properties.put("cdc.slot.create", "false");
			properties.put("cdc.publication.name", W1Workload.PUBLICATION);
			properties.put("cdc.publication.tables", W1Workload.TABLE);
			properties.put("cdc.application-events.enabled", "false");
			properties.put("cdc.rabbit.enabled", "true");
			properties.put("cdc.rabbit.outbox.enabled", "false");
			properties.put(FullPathApplication.LISTENER_PROPERTY, "none");
			String note;
			try (ConfigurableApplicationContext context = FullPathVariant.start(FullPathApplication.class, properties)) {
				RabbitSinkStatistics statistics = context.getBean(RabbitSink.class).statistics();
				Thread poller = new Thread(() -> follow(statistics, progress), "bench-rabbit-poller");
				poller.setDaemon(true);
				poller.start();
				String problem = measurement.await(timeoutMillis, context.getBean(ReplicationEngine.class));
				poller.interrupt();
				note = (problem != null) ? problem
						: String.format("%,d messages published, %,d confirmed; CPU us/row: publisher %.2f, amqp client %.2f",
								statistics.published(), statistics.confirmed(),
								CpuSnapshot.threadCpuNanos("pgcdc-rabbit-publisher") / 1e3 / rows,
								CpuSnapshot.threadCpuNanos("AMQP Connection") / 1e3 / rows);
			}
			return measurement.result(Options.RABBIT, note);
		}
	}

	/** Report rows as the broker confirms them, looking every 2 ms. */
	private static void follow(RabbitSinkStatistics statistics, Progress progress) {
		long seen = 0;
		while (!Thread.currentThread().isInterrupted() && !progress.isComplete()) {
			long confirmed = statistics.confirmed();
			for (; seen < confirmed; seen++) {
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

	/**
	 * The queue's arguments: by default a classic queue keeping its newest 100,000 messages; for a look at the
	 * broker's own cost, {@code -Dbench.rabbit.queue=v2} (classic queue version 2), {@code lazy} (a lazy
	 * classic queue), {@code quorum} (a quorum queue), {@code nolimit} or {@code stream} (a RabbitMQ stream).
	 */
	private static Map<String, Object> queueArguments() {
		String kind = System.getProperty("bench.rabbit.queue", "v1");
		return switch (kind) {
			case "v2" -> Map.of("x-max-length", 100_000, "x-queue-version", 2);
			case "nolimit" -> Map.of();
			case "stream" -> Map.of("x-queue-type", "stream");
			case "lazy" -> Map.of("x-max-length", 100_000, "x-queue-mode", "lazy");
			case "quorum" -> Map.of("x-max-length", 100_000, "x-queue-type", "quorum");
			default -> Map.of("x-max-length", 100_000);
		};
	}

}
