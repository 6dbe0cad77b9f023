package dev.pgcdc.sample.shop;

import java.math.BigDecimal;
import java.util.List;

/**
 * The request bodies of the shop's API.
 *
 * @author pgcdc
 */
public final class ShopRequests {

	private ShopRequests() {
	}

	/**
	 * {@code POST /customers}.
	 *
	 * @param name the name
	 * @param email the e-mail address, unique
	 */
	public record NewCustomer(String name, String email) {

	}

	/**
	 * {@code POST /products}.
	 *
	 * @param name the name
	 * @param price the unit price
	 * @param stock units in stock
	 * @param active whether it can be ordered; {@code null} for {@code true}
	 */
	public record NewProduct(String name, BigDecimal price, int stock, Boolean active) {

	}

	/**
	 * {@code PATCH /products/{id}}: the fields to change, {@code null} for unchanged.
	 *
	 * @param price the new unit price
	 * @param stock the new stock
	 * @param active whether it can be ordered
	 */
	public record ProductChange(BigDecimal price, Integer stock, Boolean active) {

	}

	/**
	 * {@code POST /orders}.
	 *
	 * @param customerId the customer
	 * @param items what they order
	 */
	public record NewOrder(long customerId, List<Line> items) {

	}

	/**
	 * One line of a new order.
	 *
	 * @param productId the product
	 * @param quantity units, at least one
	 */
	public record Line(long productId, int quantity) {

	}

}
