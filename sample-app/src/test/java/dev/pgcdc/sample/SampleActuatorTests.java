package dev.pgcdc.sample;

import java.time.Duration;
import java.util.Map;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample's actuator over HTTP: {@code /actuator/cdc} (read, pause, resume), the {@code cdc} health
 * component and the Prometheus scrape.
 */
@SampleTest
class SampleActuatorTests {

	@LocalServerPort
	int port;

	ShopClient shop;

	@BeforeEach
	void client() {
		this.shop = new ShopClient(this.port);
	}

	@Test
	void cdcEndpointDescribesTheStream() {
		awaitState("STREAMING");
		ResponseEntity<Map<String, Object>> response = this.shop.http.get()
			.uri("/actuator/cdc")
			.retrieve()
			.toEntity(ShopClient.OBJECT);
		assertThat(response.getStatusCode().value()).isEqualTo(200);
		Map<String, Object> cdc = response.getBody();
		assertThat(cdc).containsEntry("paused", false).containsKeys("lagBytes", "events", "listeners");
		assertThat(cdc.get("slot")).asInstanceOf(InstanceOfAssertFactories.MAP)
			.containsEntry("name", "sample_test")
			.containsEntry("plugin", "pgoutput");
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.shop.get("/actuator/cdc").get("events"))
				.asInstanceOf(InstanceOfAssertFactories.MAP)
				.extractingByKey("total")
				.asInstanceOf(InstanceOfAssertFactories.type(Number.class))
				.satisfies((total) -> assertThat(total.longValue()).isPositive()));
	}

	@Test
	void healthShowsTheCdcComponent() {
		awaitState("STREAMING");
		Map<String, Object> health = this.shop.get("/actuator/health");
		assertThat(health).extractingByKey("components")
			.asInstanceOf(InstanceOfAssertFactories.MAP)
			.extractingByKey("cdc")
			.asInstanceOf(InstanceOfAssertFactories.MAP)
			.containsEntry("status", "UP")
			.extractingByKey("details")
			.asInstanceOf(InstanceOfAssertFactories.MAP)
			.containsEntry("state", "STREAMING")
			.containsKey("lagBytes");
	}

	@Test
	void prometheusScrapeHasTheCdcMeters() {
		awaitState("STREAMING");
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			String scrape = this.shop.http.get().uri("/actuator/prometheus").retrieve().body(String.class);
			assertThat(scrape).contains("cdc_lag_bytes")
				.contains("cdc_state")
				.containsPattern("cdc_events_total\\{[^}]*table=\"public.orders\"[^}]*} [1-9]");
		});
	}

	@Test
	void pauseAndResume() {
		awaitState("STREAMING");
		ResponseEntity<Map<String, Object>> paused = this.shop.http.post()
			.uri("/actuator/cdc/pause")
			.retrieve()
			.toEntity(ShopClient.OBJECT);
		assertThat(paused.getStatusCode().is2xxSuccessful()).isTrue();
		assertThat(paused.getBody()).containsEntry("action", "pause").containsEntry("paused", true);
		assertThat(this.shop.get("/actuator/cdc")).containsEntry("paused", true).containsEntry("state", "PAUSED");
		ResponseEntity<Map<String, Object>> resumed = this.shop.http.post()
			.uri("/actuator/cdc/resume")
			.retrieve()
			.toEntity(ShopClient.OBJECT);
		assertThat(resumed.getStatusCode().is2xxSuccessful()).isTrue();
		assertThat(resumed.getBody()).containsEntry("action", "resume").containsEntry("paused", false);
		awaitState("STREAMING");
		assertThat(this.shop.get("/actuator/cdc")).containsEntry("paused", false);
	}

	private void awaitState(String state) {
		await().atMost(Duration.ofSeconds(60))
			.untilAsserted(() -> assertThat(this.shop.get("/actuator/cdc")).containsEntry("state", state));
	}

}
