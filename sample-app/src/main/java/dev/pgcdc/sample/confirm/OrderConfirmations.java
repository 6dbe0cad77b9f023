package dev.pgcdc.sample.confirm;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import dev.pgcdc.listener.OutboxListener;
import dev.pgcdc.outbox.Inbox;
import dev.pgcdc.outbox.OutboxEvent;
import dev.pgcdc.sample.shop.Order;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Confirms every placed order from its {@code order.placed} outbox event, and lists the confirmations at
 * {@code GET /confirmations}.
 *
 * <p>The event arrives at least once; the {@link Inbox} records its id in the same transaction as the
 * confirmation, so a redelivered event confirms nothing twice.
 *
 * @author pgcdc
 */
@Component
@RestController
public class OrderConfirmations {

	private static final Logger logger = LoggerFactory.getLogger(OrderConfirmations.class);

	private final JdbcClient jdbc;

	private final Inbox inbox;

	public OrderConfirmations(JdbcClient jdbc, Inbox inbox) {
		this.jdbc = jdbc;
		this.inbox = inbox;
	}

	@OutboxListener(id = "order-confirmation", eventTypes = "order.placed")
	@Transactional
	public void confirm(Order order, OutboxEvent event) {
		this.inbox.runOnce("order-confirmation", event.id(), () -> {
			this.jdbc
				.sql("INSERT INTO order_confirmation (event_id, order_id, customer_id, total) VALUES (?, ?, ?, ?)")
				.params(event.id(), order.id(), order.customerId(), order.total())
				.update();
			logger.info("Order {} confirmed to customer {} ({} items, {})", order.id(), order.customerId(),
					order.items().size(), order.total());
		});
	}

	@GetMapping("/confirmations")
	public List<Confirmation> confirmations(@RequestParam(defaultValue = "20") int limit) {
		return this.jdbc.sql("SELECT * FROM order_confirmation ORDER BY confirmed_at DESC, order_id DESC LIMIT ?")
			.param(limit)
			.query(Confirmation.class)
			.list();
	}

	/**
	 * An order confirmation as stored.
	 *
	 * @param eventId the outbox event it came from
	 * @param orderId the order
	 * @param customerId the customer
	 * @param total the order total
	 * @param confirmedAt when it was confirmed
	 */
	public record Confirmation(UUID eventId, long orderId, long customerId, BigDecimal total,
			OffsetDateTime confirmedAt) {
	}

}
