package dev.pgcdc.sample.cache;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.ZSetOperations.TypedTuple;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * Reads the Redis read model ({@link ReadModelKeys}) as JSON: {@code GET /cache/products/{id}},
 * {@code /cache/stock}, {@code /cache/active} and {@code /cache/orders}. It only reads; the keys are
 * written by pgcdc's Redis sink from the WAL, configured in {@code cdc.redis.mappings}.
 *
 * @author pgcdc
 */
@RestController
@RequestMapping("/cache")
public class CacheController {

	/** Product ids in numeric order: shorter first, then by their digits. */
	private static final Comparator<String> NUMBERS_FIRST = Comparator.comparingInt(String::length)
		.thenComparing(Comparator.naturalOrder());

	private final StringRedisTemplate redis;

	public CacheController(StringRedisTemplate redis) {
		this.redis = redis;
	}

	@GetMapping("/products/{id}")
	public Map<Object, Object> product(@PathVariable long id) {
		Map<Object, Object> product = this.redis.opsForHash().entries(ReadModelKeys.product(id));
		if (product.isEmpty()) {
			throw new ResponseStatusException(HttpStatus.NOT_FOUND,
					"No " + ReadModelKeys.product(id) + " in Redis (yet)");
		}
		return product;
	}

	/**
	 * The products by stock, lowest first: what to reorder.
	 * @return product id and stock
	 */
	@GetMapping("/stock")
	public List<Stock> stock() {
		Set<TypedTuple<String>> tuples = this.redis.opsForZSet().rangeWithScores(ReadModelKeys.STOCK, 0, -1);
		if (tuples == null) {
			return List.of();
		}
		return tuples.stream()
			.map((tuple) -> new Stock(tuple.getValue(), (tuple.getScore() != null) ? tuple.getScore().longValue() : 0))
			.toList();
	}

	@GetMapping("/active")
	public List<String> active() {
		Set<String> members = this.redis.opsForSet().members(ReadModelKeys.ACTIVE);
		return (members != null) ? members.stream().sorted(NUMBERS_FIRST).toList()
				: List.of();
	}

	/**
	 * The latest entries of the order stream, newest first.
	 * @param count how many
	 * @return the entries
	 */
	@GetMapping("/orders")
	public List<StreamEntry> orders(@RequestParam(defaultValue = "10") int count) {
		return this.redis.opsForStream()
			.reverseRange(ReadModelKeys.ORDERS, Range.unbounded(), Limit.limit().count(count))
			.stream()
			.map((record) -> new StreamEntry(record.getId().getValue(), record.getValue()))
			.toList();
	}

	/**
	 * A product's stock.
	 *
	 * @param productId the product
	 * @param stock units in stock
	 */
	public record Stock(String productId, long stock) {

	}

	/**
	 * One entry of a stream.
	 *
	 * @param id the entry's id
	 * @param fields its fields
	 */
	public record StreamEntry(String id, Map<Object, Object> fields) {

	}

}
