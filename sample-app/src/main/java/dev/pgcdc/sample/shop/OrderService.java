package dev.pgcdc.sample.shop;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.pgcdc.outbox.Outbox;
import dev.pgcdc.sample.shop.ShopRequests.Line;
import dev.pgcdc.sample.shop.ShopRequests.NewOrder;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Places orders and moves them along ({@code NEW}, {@code PAID}, {@code SHIPPED}).
 *
 * <p>Placing an order is one transaction: the order, its items, the stock of every product and the
 * {@code order.placed} outbox event commit together or not at all. Whatever must happen because an order
 * was placed (a confirmation, an integration event) is not done here but by the event's
 * {@code @OutboxListener}, so it cannot happen for an order that rolled back, nor be lost for one that
 * committed.
 *
 * @author pgcdc
 */
@Service
public class OrderService {

	private final JdbcClient jdbc;

	private final Outbox outbox;

	public OrderService(JdbcClient jdbc, Outbox outbox) {
		this.jdbc = jdbc;
		this.outbox = outbox;
	}

	/**
	 * Place an order: check the customer, lock and check the products, write the order and its items and
	 * take the units out of stock.
	 * @param request what to order
	 * @return the order as committed
	 */
	@Transactional
	public Order place(NewOrder request) {
		if (request.items() == null || request.items().isEmpty()
				|| request.items().stream().anyMatch((line) -> line.quantity() < 1)) {
			throw ShopException.badRequest("An order needs at least one item, each with a quantity of 1 or more");
		}
		long customerId = request.customerId();
		boolean customerExists = this.jdbc.sql("SELECT count(*) FROM customers WHERE id = ?")
			.param(customerId)
			.query(Long.class)
			.single() > 0;
		if (!customerExists) {
			throw ShopException.notFound("Customer", customerId);
		}
		Map<Long, Product> products = lockProducts(request.items());
		List<Order.Item> items = new ArrayList<>();
		BigDecimal total = BigDecimal.ZERO;
		for (Line line : request.items()) {
			Product product = products.get(line.productId());
			if (product == null || !product.active()) {
				throw ShopException.conflict("Product " + line.productId() + " cannot be ordered");
			}
			items.add(new Order.Item(product.id(), line.quantity(), product.price()));
			total = total.add(product.price().multiply(BigDecimal.valueOf(line.quantity())));
		}
		long orderId = this.jdbc.sql("INSERT INTO orders (customer_id, status, total) VALUES (?, 'NEW', ?) RETURNING id")
			.params(customerId, total)
			.query(Long.class)
			.single();
		for (Order.Item item : items) {
			this.jdbc.sql("INSERT INTO order_items (order_id, product_id, quantity, price) VALUES (?, ?, ?, ?)")
				.params(orderId, item.productId(), item.quantity(), item.price())
				.update();
			this.jdbc.sql("UPDATE products SET stock = stock - ? WHERE id = ?")
				.params(item.quantity(), item.productId())
				.update();
		}
		Order placed = find(orderId);
		this.outbox.publish("order", String.valueOf(placed.id()), "order.placed", placed);
		return placed;
	}

	/**
	 * Move an order from one status to the next, for example from {@code NEW} to {@code PAID}.
	 * @param id the order
	 * @param from the status it must have
	 * @param to the status it gets
	 * @return the order afterwards
	 */
	@Transactional
	public Order advance(long id, String from, String to) {
		int updated = this.jdbc.sql("UPDATE orders SET status = ? WHERE id = ? AND status = ?")
			.params(to, id, from)
			.update();
		if (updated == 0) {
			Order order = find(id);
			throw ShopException.conflict("Order " + id + " is " + order.status() + ", not " + from);
		}
		return find(id);
	}

	public Order find(long id) {
		return this.jdbc.sql("SELECT * FROM orders WHERE id = ?")
			.param(id)
			.query((rs, row) -> new Order(rs.getLong("id"), rs.getLong("customer_id"), rs.getString("status"),
					rs.getBigDecimal("total"), rs.getObject("placed_at", OffsetDateTime.class), items(id)))
			.optional()
			.orElseThrow(() -> ShopException.notFound("Order", id));
	}

	public List<Order> latest(int limit) {
		return this.jdbc.sql("SELECT id FROM orders ORDER BY id DESC LIMIT ?")
			.param(limit)
			.query(Long.class)
			.list()
			.stream()
			.map(this::find)
			.toList();
	}

	private List<Order.Item> items(long orderId) {
		return this.jdbc.sql("SELECT product_id, quantity, price FROM order_items WHERE order_id = ? ORDER BY id")
			.param(orderId)
			.query(Order.Item.class)
			.list();
	}

	/**
	 * Read the ordered products under a row lock, so that two orders for the last unit cannot both take it,
	 * and check that there is enough stock for every line.
	 */
	private Map<Long, Product> lockProducts(List<Line> lines) {
		Long[] ids = lines.stream().map(Line::productId).distinct().sorted().toArray(Long[]::new);
		Map<Long, Product> products = this.jdbc.sql("SELECT * FROM products WHERE id = ANY (?) ORDER BY id FOR UPDATE")
			.param(ids)
			.query(Product.class)
			.list()
			.stream()
			.collect(Collectors.toMap(Product::id, Function.identity()));
		Map<Long, Integer> wanted = lines.stream()
			.collect(Collectors.groupingBy(Line::productId, Collectors.summingInt(Line::quantity)));
		wanted.forEach((productId, quantity) -> {
			Product product = products.get(productId);
			if (product != null && product.stock() < quantity) {
				throw ShopException.conflict("Only " + product.stock() + " of product " + productId + " in stock");
			}
		});
		return products;
	}

}
