package dev.pgcdc.sample.cache;

/**
 * The Redis keys of the shop's read model, in one place: the {@code cdc.redis.mappings} block of
 * {@code application.yml} writes them from the WAL and {@link CacheController} reads them.
 *
 * <ul>
 * <li>{@code product:{id}}: hash of one product ({@code name}, {@code price}, {@code stock}, {@code active})</li>
 * <li>{@code products:stock}: sorted set, member the product id, score its stock</li>
 * <li>{@code products:active}: set of the ids of the products that can be ordered</li>
 * <li>{@code orders:stream}: stream with an entry per order change</li>
 * </ul>
 *
 * @author pgcdc
 */
public final class ReadModelKeys {

	/** Prefix of the product hashes, {@code product:{id}}. */
	public static final String PRODUCT_PREFIX = "product:";

	/** Sorted set of product ids by stock. */
	public static final String STOCK = "products:stock";

	/** Set of the ids of active products. */
	public static final String ACTIVE = "products:active";

	/** Stream of order changes. */
	public static final String ORDERS = "orders:stream";

	private ReadModelKeys() {
	}

	public static String product(long id) {
		return PRODUCT_PREFIX + id;
	}

}
