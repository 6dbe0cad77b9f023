package dev.pgcdc.sample.shop;

import java.util.List;

import dev.pgcdc.sample.shop.ShopRequests.NewCustomer;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.util.StringUtils;

/**
 * Signs customers up. It only writes the row: the welcome e-mail is sent by a {@code @CdcListener} once
 * the insert is committed, so a rolled-back sign-up never gets one and a committed one always does.
 *
 * @author pgcdc
 */
@Service
public class CustomerService {

	private final JdbcClient jdbc;

	public CustomerService(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	public Customer create(NewCustomer customer) {
		if (!StringUtils.hasText(customer.name()) || customer.email() == null || !customer.email().contains("@")) {
			throw ShopException.badRequest("A customer needs a name and an e-mail address");
		}
		try {
			return this.jdbc.sql("INSERT INTO customers (name, email) VALUES (?, ?) RETURNING *")
				.params(customer.name(), customer.email())
				.query(Customer.class)
				.single();
		}
		catch (DuplicateKeyException ex) {
			throw ShopException.conflict("A customer with e-mail " + customer.email() + " exists already");
		}
	}

	public Customer find(long id) {
		return Rows.byId(this.jdbc, "customers", Customer.class, id);
	}

	public List<Customer> latest(int limit) {
		return this.jdbc.sql("SELECT * FROM customers ORDER BY id DESC LIMIT ?").param(limit).query(Customer.class).list();
	}

}
