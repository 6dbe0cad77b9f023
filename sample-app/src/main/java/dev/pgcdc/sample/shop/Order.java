package dev.pgcdc.sample.shop;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * An order with its items, as the API returns it.
 *
 * @param id the id
 * @param customerId the customer who placed it
 * @param status {@code NEW}, {@code PAID} or {@code SHIPPED}
 * @param total the sum of the items
 * @param placedAt when it was placed
 * @param items the items
 * @author pgcdc
 */
public record Order(long id, long customerId, String status, BigDecimal total, OffsetDateTime placedAt,
		List<Item> items) {

	/**
	 * One line of an order.
	 *
	 * @param productId the product
	 * @param quantity units ordered
	 * @param price the unit price when the order was placed
	 */
	public record Item(long productId, int quantity, BigDecimal price) {

	}

}
