package dev.pgcdc.rabbit;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import dev.pgcdc.replication.ConnectionSettings;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.ReplicationSettings;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

/**
 * A consuming application in its own JVM, the engine plus the RabbitMQ sink publishing {@code orders} to
 * the exchange {@code cdc}, so that tests can kill it with SIGKILL. Arguments: JDBC URL, slot (also the
 * publication), AMQP port.
 */
public final class RabbitSinkProcess {

	private RabbitSinkProcess() {
	}

	public static void main(String[] args) throws Exception {
		String url = args[0];
		String slot = args[1];
		int port = Integer.parseInt(args[2]);
		ReplicationSettings settings = ReplicationSettings
			.builder(new ConnectionSettings(url, "postgres", "postgres"), slot, slot)
			.tables(List.of("orders"))
			.statusInterval(Duration.ofMillis(500))
			.heartbeatInterval(Duration.ofSeconds(5))
			.build();
		CachingConnectionFactory factory = new CachingConnectionFactory("127.0.0.1", port);
		RabbitSink sink = RabbitSinkFactory.create(RabbitSinkSettings.defaults(), settings, null, factory, null);
		ReplicationEngine engine = RabbitTestSupport.engine(settings, List.of(sink));
		sink.start();
		engine.start();
		System.out.println("STREAMING");
		new CountDownLatch(1).await();
	}

}
