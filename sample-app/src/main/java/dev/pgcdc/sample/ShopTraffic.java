package dev.pgcdc.sample;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import dev.pgcdc.sample.shop.Customer;
import dev.pgcdc.sample.shop.CustomerService;
import dev.pgcdc.sample.shop.OrderService;
import dev.pgcdc.sample.shop.Product;
import dev.pgcdc.sample.shop.ProductService;
import dev.pgcdc.sample.shop.ShopException;
import dev.pgcdc.sample.shop.ShopRequests.Line;
import dev.pgcdc.sample.shop.ShopRequests.NewCustomer;
import dev.pgcdc.sample.shop.ShopRequests.NewOrder;
import dev.pgcdc.sample.shop.ShopRequests.ProductChange;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Keeps changes flowing for the demo, through the same services as the REST API: now and then a new
 * customer, an order of one to three products, payment and shipping of earlier orders, restocking and
 * price changes. It works only on the first {@value #CATALOGUE} products (the ones {@code schema.sql}
 * adds) and never takes one off sale: products created and changed through the API stay as the API
 * left them, and the README's examples always find the products they order. On by default in the embedded mode ({@code shop.traffic.enabled}, set by
 * {@link EmbeddedPostgresEnvironment}), off against a real database unless enabled; the pace is
 * {@code shop.traffic.interval}.
 *
 * @author pgcdc
 */
@Component
@ConditionalOnBooleanProperty("shop.traffic.enabled")
public class ShopTraffic {

	static final int CATALOGUE = 6;

	private final CustomerService customers;

	private final ProductService products;

	private final OrderService orders;

	public ShopTraffic(CustomerService customers, ProductService products, OrderService orders) {
		this.customers = customers;
		this.products = products;
		this.orders = orders;
	}

	@Scheduled(initialDelayString = "${shop.traffic.interval:2s}", fixedDelayString = "${shop.traffic.interval:2s}")
	public void tick() {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		List<Customer> latest = this.customers.latest(20);
		if (latest.isEmpty() || random.nextInt(3) == 0) {
			int n = random.nextInt(1_000_000);
			this.customers.create(new NewCustomer("Customer " + n, "c" + n + "." + System.nanoTime() + "@example.com"));
			latest = this.customers.latest(20);
		}
		List<Product> catalogue = this.products.all().stream().limit(CATALOGUE).toList();
		try {
			placeOrder(random, latest.get(random.nextInt(latest.size())), catalogue);
		}
		catch (ShopException ex) {
			// out of stock or inactive: a real shop's refusal, the next tick tries again
		}
		moveOrdersAlong();
		changeCatalogue(random, catalogue);
	}

	private void placeOrder(ThreadLocalRandom random, Customer customer, List<Product> catalogue) {
		List<Line> lines = catalogue.stream()
			.filter((product) -> product.active() && product.stock() >= 3 && random.nextInt(3) == 0)
			.limit(3)
			.map((product) -> new Line(product.id(), random.nextInt(1, 4)))
			.toList();
		if (!lines.isEmpty()) {
			this.orders.place(new NewOrder(customer.id(), lines));
		}
	}

	private void moveOrdersAlong() {
		this.orders.latest(5)
			.stream()
			.filter((order) -> !order.status().equals("SHIPPED"))
			.findFirst()
			.ifPresent((order) -> {
				String next = order.status().equals("NEW") ? "PAID" : "SHIPPED";
				this.orders.advance(order.id(), order.status(), next);
			});
	}

	private void changeCatalogue(ThreadLocalRandom random, List<Product> catalogue) {
		for (Product product : catalogue) {
			if (product.stock() < 10) {
				this.products.change(product.id(), new ProductChange(null, product.stock() + 50, null));
			}
		}
		if (random.nextInt(8) == 0) {
			Product product = catalogue.get(random.nextInt(catalogue.size()));
			BigDecimal price = product.price()
				.multiply(BigDecimal.valueOf(random.nextDouble(0.9, 1.1)))
				.setScale(2, RoundingMode.HALF_UP);
			this.products.change(product.id(), new ProductChange(price, null, null));
		}
	}

}
