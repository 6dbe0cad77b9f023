package dev.pgcdc.sample;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample as a user starts it: embedded PostgreSQL, demo traffic on by default, and its changes
 * arriving through the WAL at the audit log, which records every captured change.
 */
@SampleTest
class SampleApplicationTests {

	@LocalServerPort
	int port;

	@Test
	void demoTrafficArrivesThroughTheWal() {
		ShopClient shop = new ShopClient(this.port);
		await().atMost(Duration.ofSeconds(60))
			.untilAsserted(() -> assertThat(shop.list("/audit?table=orders&limit=100"))
				.anyMatch((entry) -> entry.get("operation").equals("UPDATE")));
		List<Map<String, Object>> customers = shop.list("/audit?table=customers&limit=100");
		assertThat(customers).isNotEmpty().allMatch((entry) -> entry.get("operation").equals("INSERT"));
		assertThat(customers).anySatisfy((entry) -> assertThat(entry.get("data"))
			.asString()
			.contains("@example.com"));
	}

}
