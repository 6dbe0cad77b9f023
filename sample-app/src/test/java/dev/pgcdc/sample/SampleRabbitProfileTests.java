package dev.pgcdc.sample;

import java.time.Duration;
import java.util.List;

import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import dev.pgcdc.test.EmbeddedRabbitExtension;
import dev.pgcdc.test.EmbeddedRabbitSupport;
import dev.pgcdc.test.EmbeddedRedisSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample's opt-in {@code rabbit} profile against a real broker: the demo traffic's order changes, new
 * customers and outbox events reach the queues the profile declares.
 */
@ExtendWith(EmbeddedRabbitExtension.class)
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = { "shop.traffic.enabled=true",
		"shop.traffic.interval=300ms",
		"cdc.slot.name=sample_rabbit", "cdc.publication.name=sample_rabbit" })
@ActiveProfiles("rabbit")
@DirtiesContext
class SampleRabbitProfileTests {

	private static final List<String> PROPERTIES = List.of("spring.datasource.url", "spring.datasource.username",
			"spring.datasource.password", "spring.data.redis.host", "spring.data.redis.port", "spring.rabbitmq.host",
			"spring.rabbitmq.port");

	/**
	 * A database and a Redis of this test's own, so that its application (which runs the sample's listeners
	 * too) never writes what the other sample tests count. System properties, because the sample decides
	 * whether to start its embedded servers before a test's dynamic properties exist.
	 */
	@BeforeAll
	static void ownServers() {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("sample_rabbit");
		System.setProperty("spring.datasource.url", database.jdbcUrl());
		System.setProperty("spring.datasource.username", database.username());
		System.setProperty("spring.datasource.password", database.password());
		System.setProperty("spring.data.redis.host", "localhost");
		System.setProperty("spring.data.redis.port", Integer.toString(EmbeddedRedisSupport.shared().port()));
		System.setProperty("spring.rabbitmq.host", "127.0.0.1");
		System.setProperty("spring.rabbitmq.port", Integer.toString(EmbeddedRabbitSupport.shared().port()));
	}

	@AfterAll
	static void forgetServers() {
		PROPERTIES.forEach(System::clearProperty);
	}

	@Autowired
	RabbitTemplate rabbit;

	@Test
	void demoTrafficReachesTheProfilesQueues() {
		assertThat(receive("shop.orders").getMessageProperties().getReceivedRoutingKey()).startsWith("public.order");
		assertThat(receive("shop.customers.new").getMessageProperties().getReceivedRoutingKey())
			.isEqualTo("public.customers.insert");
		Message event = receive("shop.order-events");
		assertThat(event.getMessageProperties().getReceivedRoutingKey()).isEqualTo("order.order.placed");
		assertThat(event.getMessageProperties().getContentType()).isEqualTo("application/json");
	}

	private Message receive(String queue) {
		Message[] received = new Message[1];
		await().atMost(Duration.ofSeconds(60)).until(() -> (received[0] = this.rabbit.receive(queue, 1_000)) != null);
		return received[0];
	}

}
