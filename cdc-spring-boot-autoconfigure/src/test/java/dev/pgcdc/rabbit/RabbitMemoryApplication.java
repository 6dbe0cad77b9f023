package dev.pgcdc.rabbit;

import java.util.concurrent.TimeUnit;

import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A consuming application in its own small-heap JVM for the RabbitMQ memory test: the RabbitMQ sink
 * publishing table {@code wide} to exchange {@code cdc}, into a declared queue {@code wide.all}. It samples
 * its live heap (after a full GC, every second) and prints {@code RABBIT} lines with the sink's state and
 * backlog and the engine's reserved bytes, and {@code HEAP} lines with the high-water mark. Arguments: JDBC
 * URL, slot, AMQP port, then further {@code key=value} properties.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class RabbitMemoryApplication {

	public static void main(String[] args) throws Exception {
		String[] properties = new String[args.length - 3 + 13];
		properties[0] = "spring.datasource.url=" + args[0];
		properties[1] = "spring.datasource.username=postgres";
		properties[2] = "spring.datasource.password=postgres";
		properties[3] = "cdc.slot.name=" + args[1];
		properties[4] = "cdc.publication.name=" + args[1];
		properties[5] = "cdc.publication.tables=wide";
		properties[6] = "spring.rabbitmq.port=" + args[2];
		properties[7] = "cdc.rabbit.enabled=true";
		properties[8] = "cdc.rabbit.declare[0].queue=wide.all";
		properties[9] = "cdc.rabbit.declare[0].bindings[0]=public.wide.*";
		properties[10] = "cdc.rabbit.retry.max-interval=1s";
		properties[11] = "cdc.status-interval=1s";
		properties[12] = "cdc.application-events.enabled=false";
		System.arraycopy(args, 3, properties, 13, args.length - 3);
		ConfigurableApplicationContext context = new SpringApplicationBuilder(RabbitMemoryApplication.class)
			.web(WebApplicationType.NONE)
			.properties(properties)
			.run();
		ReplicationEngine engine = context.getBean(ReplicationEngine.class);
		while (engine.state() != EngineState.STREAMING) {
			TimeUnit.MILLISECONDS.sleep(50);
		}
		RabbitSinkStatistics sink = context.getBean(RabbitSink.class).statistics();
		long baseline = liveHeap();
		long highWater = baseline;
		System.out.println("STREAMING budget=" + engine.memory().maxBytes() + " baseline=" + baseline);
		while (true) {
			highWater = Math.max(highWater, liveHeap());
			System.out.println("RABBIT state=" + sink.state() + " backlog=" + sink.backlog() + " backlogBytes="
					+ sink.backlogBytes() + " confirmed=" + sink.confirmed() + " reserved=" + engine.memory().usedBytes()
					+ " reservedHighWater=" + engine.memory().highWaterBytes());
			System.out.println("HEAP baseline=" + baseline + " highWater=" + highWater + " budget="
					+ engine.memory().maxBytes());
			TimeUnit.SECONDS.sleep(1);
		}
	}

	/** The heap the application really holds: what is left after a full collection. */
	static long liveHeap() {
		System.gc();
		Runtime runtime = Runtime.getRuntime();
		return runtime.totalMemory() - runtime.freeMemory();
	}

}
