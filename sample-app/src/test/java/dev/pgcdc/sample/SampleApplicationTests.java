package dev.pgcdc.sample;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.event.EventListener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample as a user starts it: embedded PostgreSQL, demo traffic on, changes arriving as events.
 */
@SpringBootTest(properties = "shop.traffic.interval=200ms")
class SampleApplicationTests {

	@Autowired
	Captured captured;

	@Test
	void demoTrafficArrivesAsChangeEvents() {
		await().atMost(Duration.ofSeconds(60)).until(() -> this.captured.events.stream()
			.anyMatch((event) -> event.table().name().equals("orders") && event.operation() == Operation.UPDATE));
		ChangeEvent customer = this.captured.events.stream()
			.filter((event) -> event.table().name().equals("customers"))
			.findFirst()
			.orElseThrow();
		assertThat(customer.operation()).isEqualTo(Operation.INSERT);
		assertThat(customer.after().get("email", String.class)).endsWith("@example.com");
	}

	@TestConfiguration
	static class Captured {

		final List<ChangeEvent> events = new CopyOnWriteArrayList<>();

		@EventListener
		void on(ChangeEvent event) {
			this.events.add(event);
		}

	}

}
