package dev.pgcdc.sample.shop;

import java.util.List;

import dev.pgcdc.sample.shop.ShopRequests.NewCustomer;
import dev.pgcdc.sample.shop.ShopRequests.NewOrder;
import dev.pgcdc.sample.shop.ShopRequests.NewProduct;
import dev.pgcdc.sample.shop.ShopRequests.ProductChange;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The shop's REST API: customers, products and orders. Every write is a plain database transaction; the
 * side effects (welcome e-mail, audit log, live feed, read model) follow from the WAL.
 *
 * @author pgcdc
 */
@RestController
public class ShopController {

	private final CustomerService customers;

	private final ProductService products;

	private final OrderService orders;

	public ShopController(CustomerService customers, ProductService products, OrderService orders) {
		this.customers = customers;
		this.products = products;
		this.orders = orders;
	}

	@PostMapping("/customers")
	@ResponseStatus(HttpStatus.CREATED)
	public Customer createCustomer(@RequestBody NewCustomer customer) {
		return this.customers.create(customer);
	}

	@GetMapping("/customers")
	public List<Customer> customers(@RequestParam(defaultValue = "20") int limit) {
		return this.customers.latest(limit);
	}

	@GetMapping("/customers/{id}")
	public Customer customer(@PathVariable long id) {
		return this.customers.find(id);
	}

	@PostMapping("/products")
	@ResponseStatus(HttpStatus.CREATED)
	public Product createProduct(@RequestBody NewProduct product) {
		return this.products.create(product);
	}

	@PatchMapping("/products/{id}")
	public Product changeProduct(@PathVariable long id, @RequestBody ProductChange change) {
		return this.products.change(id, change);
	}

	@GetMapping("/products")
	public List<Product> products() {
		return this.products.all();
	}

	@GetMapping("/products/{id}")
	public Product product(@PathVariable long id) {
		return this.products.find(id);
	}

	@PostMapping("/orders")
	@ResponseStatus(HttpStatus.CREATED)
	public Order placeOrder(@RequestBody NewOrder order) {
		return this.orders.place(order);
	}

	@PostMapping("/orders/{id}/pay")
	public Order pay(@PathVariable long id) {
		return this.orders.advance(id, "NEW", "PAID");
	}

	@PostMapping("/orders/{id}/ship")
	public Order ship(@PathVariable long id) {
		return this.orders.advance(id, "PAID", "SHIPPED");
	}

	@GetMapping("/orders")
	public List<Order> orders(@RequestParam(defaultValue = "20") int limit) {
		return this.orders.latest(limit);
	}

	@GetMapping("/orders/{id}")
	public Order order(@PathVariable long id) {
		return this.orders.find(id);
	}

}
