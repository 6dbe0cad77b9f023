package dev.pgcdc.sample.shop;

import java.math.BigDecimal;
import java.util.List;

import dev.pgcdc.sample.shop.ShopRequests.NewProduct;
import dev.pgcdc.sample.shop.ShopRequests.ProductChange;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.util.StringUtils;

/**
 * The catalogue: products, their price, stock and whether they can be ordered. The Redis read model
 * ({@code /cache/...}) follows these rows through the WAL, never through this class.
 *
 * @author pgcdc
 */
@Service
public class ProductService {

	private final JdbcClient jdbc;

	public ProductService(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	public Product create(NewProduct product) {
		if (!StringUtils.hasText(product.name()) || product.price() == null
				|| product.price().compareTo(BigDecimal.ZERO) < 0 || product.stock() < 0) {
			throw ShopException.badRequest("A product needs a name, a price and a stock of 0 or more");
		}
		return this.jdbc.sql("INSERT INTO products (name, price, stock, active) VALUES (?, ?, ?, ?) RETURNING *")
			.params(product.name(), product.price(), product.stock(), product.active() == null || product.active())
			.query(Product.class)
			.single();
	}

	/**
	 * Change the price, the stock or the active flag; fields left {@code null} keep their value.
	 * @param id the product
	 * @param change the new values
	 * @return the product afterwards
	 */
	public Product change(long id, ProductChange change) {
		if ((change.stock() != null && change.stock() < 0)
				|| (change.price() != null && change.price().compareTo(BigDecimal.ZERO) < 0)) {
			throw ShopException.badRequest("Price and stock cannot be negative");
		}
		return this.jdbc
			.sql("UPDATE products SET price = coalesce(?, price), stock = coalesce(?, stock), "
					+ "active = coalesce(?, active) WHERE id = ? RETURNING *")
			.params(change.price(), change.stock(), change.active(), id)
			.query(Product.class)
			.optional()
			.orElseThrow(() -> ShopException.notFound("Product", id));
	}

	public Product find(long id) {
		return Rows.byId(this.jdbc, "products", Product.class, id);
	}

	public List<Product> all() {
		return this.jdbc.sql("SELECT * FROM products ORDER BY id").query(Product.class).list();
	}

}
