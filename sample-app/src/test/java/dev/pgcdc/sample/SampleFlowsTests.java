package dev.pgcdc.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.pgcdc.CdcControl;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.client.HttpClientErrorException;

import static dev.pgcdc.sample.ShopClient.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The sample's flows end to end, over HTTP against the running application with real PostgreSQL and
 * Redis: sign-up to welcome e-mail, order to audit log, the live stream, the read model API and the
 * listeners on {@code /actuator/cdc}.
 */
@SampleTest
class SampleFlowsTests {

	private static final Duration WAL = Duration.ofSeconds(30);

	@LocalServerPort
	int port;

	@Autowired
	CdcControl cdc;

	ShopClient shop;

	@BeforeEach
	void client() {
		this.shop = new ShopClient(this.port);
	}

	@Test
	void newCustomerGetsOneWelcomeMail() {
		Map<String, Object> customer = this.shop.newCustomer("Ada Lovelace");
		// no polling: once every listener has handled the sign-up, the mail is there or never will be
		assertThat(this.cdc.awaitCaughtUp(WAL)).isTrue();
		assertThat(this.shop.list("/mails?limit=200"))
			.filteredOn((mail) -> mail.get("address").equals(customer.get("email")))
			.singleElement()
			.satisfies((mail) -> assertThat(mail).containsEntry("customerId", customer.get("id"))
				.containsEntry("subject", "Welcome to the shop, Ada Lovelace"));
	}

	@Test
	void placedOrderIsAuditedWithItsItemsAndStock() {
		long customer = id(this.shop.newCustomer("Alan Turing"));
		Map<String, Object> product = this.shop.newProduct("Test scale", 30.00, 10);
		Map<String, Object> order = this.shop.placeOrder(customer, id(product), 3);
		assertThat(order).containsEntry("status", "NEW").containsEntry("total", 90.0);
		assertThat(this.shop.get("/products/" + id(product))).containsEntry("stock", 7);
		await().atMost(WAL).untilAsserted(() -> {
			assertThat(audited("orders", id(order))).extracting((entry) -> entry.get("operation")).contains("INSERT");
			assertThat(this.shop.list("/audit?table=order_items&limit=200"))
				.anySatisfy((entry) -> assertThat(entry.get("data")).asInstanceOf(InstanceOfAssertFactories.MAP)
					.containsEntry("order_id", (int) id(order))
					.containsEntry("quantity", 3));
			assertThat(audited("products", id(product)))
				.anySatisfy((entry) -> assertThat(entry).containsEntry("operation", "UPDATE")
					.extractingByKey("data")
					.asInstanceOf(InstanceOfAssertFactories.MAP)
					.containsEntry("stock", 7));
		});
	}

	@Test
	void placedOrderIsConfirmedOnceFromItsOutboxEvent() {
		long customer = id(this.shop.newCustomer("Grace Hopper"));
		Map<String, Object> product = this.shop.newProduct("Cups", 8.00, 10);
		Map<String, Object> order = this.shop.placeOrder(customer, id(product), 2);
		await().atMost(WAL)
			.untilAsserted(() -> assertThat(this.shop.list("/confirmations?limit=200"))
				.filteredOn((confirmation) -> ((Number) confirmation.get("orderId")).longValue() == id(order))
				.singleElement()
				.satisfies((confirmation) -> assertThat(confirmation).containsEntry("total", 16.0)
					.containsEntry("customerId", (int) customer)));
	}

	@Test
	void refusedOrderChangesNothing() {
		long customer = id(this.shop.newCustomer("Barbara Liskov"));
		Map<String, Object> product = this.shop.newProduct("Rare tea", 12.5, 2);
		assertThatExceptionOfType(HttpClientErrorException.Conflict.class)
			.isThrownBy(() -> this.shop.placeOrder(customer, id(product), 5));
		assertThat(this.shop.get("/products/" + id(product))).containsEntry("stock", 2);
	}

	@Test
	void liveStreamSendsChangesAndStatus() throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/live")).build();
		HttpResponse<Stream<String>> response = HttpClient.newHttpClient()
			.send(request, HttpResponse.BodyHandlers.ofLines());
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("text/event-stream"));
		try (Stream<String> lines = response.body()) {
			String email = (String) this.shop.newCustomer("Edsger Dijkstra").get("email");
			CompletableFuture<Boolean> seen = CompletableFuture.supplyAsync(() -> {
				boolean change = false;
				boolean status = false;
				for (String line : (Iterable<String>) lines::iterator) {
					change |= line.startsWith("data:") && line.contains(email);
					status |= line.equals("event:status");
					if (change && status) {
						return true;
					}
				}
				return false;
			});
			assertThat(seen.get(30, TimeUnit.SECONDS)).isTrue();
		}
	}

	@Test
	void theRedisReadModelFollowsTheTables() {
		Map<String, Object> product = this.shop.newProduct("Cached kettle", 30.00, 4);
		String id = String.valueOf(id(product));
		await().atMost(WAL).ignoreExceptions().untilAsserted(() -> {
			assertThat(this.shop.get("/cache/products/" + id)).containsEntry("name", product.get("name"))
				.containsEntry("stock", "4");
			assertThat(this.shop.list("/cache/stock")).contains(Map.of("productId", id, "stock", 4));
			assertThat(this.shop.http.get().uri("/cache/active").retrieve().body(List.class)).contains(id);
		});
		this.shop.patch("/products/" + id, Map.of("stock", 2, "active", false));
		await().atMost(WAL).ignoreExceptions().untilAsserted(() -> {
			assertThat(this.shop.get("/cache/products/" + id)).containsEntry("stock", "2").containsEntry("active", "false");
			assertThat(this.shop.http.get().uri("/cache/active").retrieve().body(List.class)).doesNotContain(id);
		});
		long customer = id(this.shop.newCustomer("Edsger Dijkstra"));
		this.shop.patch("/products/" + id, Map.of("active", true));
		Map<String, Object> order = this.shop.placeOrder(customer, id(product), 1);
		await().atMost(WAL)
			.untilAsserted(() -> assertThat(this.shop.list("/cache/orders?count=200"))
				.extracting((entry) -> entry.get("fields"))
				.asInstanceOf(InstanceOfAssertFactories.list(Map.class))
				.anySatisfy((fields) -> assertThat(fields).containsEntry("order", String.valueOf(id(order)))
					.containsEntry("status", "NEW")));
		// the seeded catalogue came from the initial snapshot
		assertThat(this.shop.get("/cache/products/1")).containsKey("name");
		assertThatExceptionOfType(HttpClientErrorException.NotFound.class)
			.isThrownBy(() -> this.shop.get("/cache/products/424242"));
	}

	@Test
	void listenersShowOnTheCdcEndpoint() {
		await().atMost(WAL)
			.untilAsserted(() -> assertThat(this.shop.get("/actuator/cdc").get("listeners"))
				.asInstanceOf(InstanceOfAssertFactories.list(Map.class))
				.extracting((listener) -> listener.get("id"))
				.contains("welcome-mail", "audit-log", "order-confirmation"));
	}

	private List<Map<String, Object>> audited(String table, Long rowId) {
		return this.shop.list("/audit?table=" + table + "&limit=500")
			.stream()
			.filter((entry) -> rowId.equals(((Number) entry.get("rowId")).longValue()))
			.toList();
	}

}
