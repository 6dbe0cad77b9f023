package dev.pgcdc.test.example;

import dev.pgcdc.event.Operation;
import dev.pgcdc.listener.CdcListener;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

@Component
class WelcomeMailer {

	private final JdbcClient jdbc;

	WelcomeMailer(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	record Customer(long id, String name, String email) {
	}

	@CdcListener(tables = "customers", operations = Operation.INSERT,
			condition = "row.get('email') != null")
	void welcome(Customer customer) {
		// a real mailer would send here; the table stands in for the outbox of the mail server
		this.jdbc.sql("INSERT INTO welcome_email (customer_id, address) VALUES (?, ?)")
			.params(customer.id(), customer.email())
			.update();
	}

}
