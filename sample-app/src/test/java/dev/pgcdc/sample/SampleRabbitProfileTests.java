package dev.pgcdc.sample;

import java.time.Duration;

import dev.pgcdc.test.EmbeddedRabbitExtension;
import dev.pgcdc.test.EmbeddedRabbitSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample's opt-in {@code rabbit} profile against a real broker: the demo traffic's order changes, new
 * customers and outbox events reach the queues the profile declares.
 */
@ExtendWith(EmbeddedRabbitExtension.class)
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = { "shop.traffic.interval=300ms",
		"cdc.slot.name=sample_rabbit", "cdc.publication.name=sample_rabbit" })
@ActiveProfiles("rabbit")
class SampleRabbitProfileTests {

	@DynamicPropertySource
	static void broker(DynamicPropertyRegistry registry) {
		registry.add("spring.rabbitmq.host", () -> "127.0.0.1");
		registry.add("spring.rabbitmq.port", () -> EmbeddedRabbitSupport.shared().port());
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
