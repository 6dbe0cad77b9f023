package dev.pgcdc.sample.mail;

import dev.pgcdc.event.Operation;
import dev.pgcdc.listener.CdcListener;
import dev.pgcdc.sample.shop.Customer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Sends the welcome e-mail for every new customer, after the sign-up committed.
 *
 * <p>The sample has no mail server, so "sending" is a log line and a row in {@code welcome_email}. The row
 * is keyed by customer: pgcdc delivers at least once, and a sign-up delivered again after a crash must not
 * mail twice. A real mailer would claim that row first and send after.
 *
 * @author pgcdc
 */
@Component
public class WelcomeMailer {

	private static final Logger logger = LoggerFactory.getLogger(WelcomeMailer.class);

	private final JdbcClient jdbc;

	public WelcomeMailer(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	@CdcListener(id = "welcome-mail", tables = "customers", operations = Operation.INSERT)
	public void welcome(Customer customer) {
		String subject = "Welcome to the shop, " + customer.name();
		String body = "Hello " + customer.name() + ",\n\nthank you for signing up. Your customer number is "
				+ customer.id() + ".";
		int sent = this.jdbc
			.sql("INSERT INTO welcome_email (customer_id, address, subject, body) VALUES (?, ?, ?, ?) "
					+ "ON CONFLICT (customer_id) DO NOTHING")
			.params(customer.id(), customer.email(), subject, body)
			.update();
		if (sent > 0) {
			logger.info("Welcome e-mail sent to {} <{}>", customer.name(), customer.email());
		}
	}

}
