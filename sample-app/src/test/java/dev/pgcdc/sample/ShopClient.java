package dev.pgcdc.sample;

import java.util.List;
import java.util.Map;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

/**
 * The sample's HTTP API as the tests call it, with JSON read into maps and lists.
 */
final class ShopClient {

	static final ParameterizedTypeReference<Map<String, Object>> OBJECT = new ParameterizedTypeReference<>() {
	};

	static final ParameterizedTypeReference<List<Map<String, Object>>> LIST = new ParameterizedTypeReference<>() {
	};

	final RestClient http;

	ShopClient(int port) {
		this.http = RestClient.create("http://localhost:" + port);
	}

	Map<String, Object> get(String path) {
		return this.http.get().uri(path).retrieve().body(OBJECT);
	}

	List<Map<String, Object>> list(String path) {
		return this.http.get().uri(path).retrieve().body(LIST);
	}

	Map<String, Object> post(String path, Object body) {
		return this.http.post().uri(path).contentType(MediaType.APPLICATION_JSON).body(body).retrieve().body(OBJECT);
	}

	Map<String, Object> patch(String path, Object body) {
		return this.http.patch().uri(path).contentType(MediaType.APPLICATION_JSON).body(body).retrieve().body(OBJECT);
	}

	/**
	 * Sign up a customer whose e-mail address no other test uses.
	 * @param name the name, also part of the address
	 * @return the customer
	 */
	Map<String, Object> newCustomer(String name) {
		String email = name.toLowerCase().replace(' ', '.') + "." + System.nanoTime() + "@test.example";
		return post("/customers", Map.of("name", name, "email", email));
	}

	/**
	 * Add a product whose name no other test uses.
	 * @param name the name, followed by a unique number
	 * @param price the unit price
	 * @param stock units in stock
	 * @return the product
	 */
	Map<String, Object> newProduct(String name, double price, int stock) {
		return post("/products", Map.of("name", name + " " + System.nanoTime(), "price", price, "stock", stock));
	}

	/**
	 * Order units of one product.
	 * @param customerId the customer
	 * @param productId the product
	 * @param quantity units
	 * @return the order
	 */
	Map<String, Object> placeOrder(long customerId, long productId, int quantity) {
		return post("/orders", Map.of("customerId", customerId, "items",
				List.of(Map.of("productId", productId, "quantity", quantity))));
	}

	static long id(Map<String, Object> json) {
		return ((Number) json.get("id")).longValue();
	}

}
