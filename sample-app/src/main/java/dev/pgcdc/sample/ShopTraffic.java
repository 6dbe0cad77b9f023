package dev.pgcdc.sample;

import java.util.concurrent.ThreadLocalRandom;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Keeps changes flowing for the demo: a new customer and an order every couple of seconds, an update
 * and now and then a cancellation, each in its own transaction. Off with {@code shop.traffic.enabled=false}.
 *
 * @author pgcdc
 */
@Component
@ConditionalOnBooleanProperty(name = "shop.traffic.enabled", matchIfMissing = true)
public class ShopTraffic {

	private final JdbcTemplate jdbc;

	private final TransactionTemplate transactions;

	public ShopTraffic(JdbcTemplate jdbc, TransactionTemplate transactions) {
		this.jdbc = jdbc;
		this.transactions = transactions;
	}

	@Scheduled(initialDelayString = "${shop.traffic.interval:2s}", fixedDelayString = "${shop.traffic.interval:2s}")
	public void tick() {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		this.transactions.executeWithoutResult((status) -> {
			Long customer = this.jdbc.queryForObject(
					"INSERT INTO customers (name, email) VALUES (?, ?) RETURNING id", Long.class,
					"Customer " + random.nextInt(10_000), "c" + random.nextInt(1_000_000) + "@example.com");
			this.jdbc.update("INSERT INTO orders (customer_id, status, total) VALUES (?, 'NEW', ?)", customer,
					random.nextInt(1_000, 100_000) / 100.0);
		});
		this.jdbc.update("UPDATE orders SET status = 'PAID' WHERE id = (SELECT max(id) FROM orders WHERE status = 'NEW')");
		if (random.nextInt(5) == 0) {
			this.jdbc.update("DELETE FROM orders WHERE id = (SELECT min(id) FROM orders)");
		}
	}

}
