package dev.pgcdc.test.example;

import java.time.Duration;

import dev.pgcdc.CdcControl;
import dev.pgcdc.test.EmbeddedCdcDatabase;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest
@EmbeddedCdcDatabase
class WelcomeMailerTests {

	@Autowired
	JdbcClient jdbc;

	@Autowired
	CdcControl cdc;

	@Test
	void newCustomerGetsAWelcomeMail() {
		this.jdbc.sql("INSERT INTO customers (name, email) VALUES ('Ada', 'ada@example.com')").update();

		assertThat(this.cdc.awaitCaughtUp(Duration.ofSeconds(10))).isTrue();
		assertThat(mailsTo("ada@example.com")).isEqualTo(1);
	}

	@Test
	void customerWithoutAnAddressGetsNone() {
		this.jdbc.sql("INSERT INTO customers (name) VALUES ('Grace')").update();

		assertThat(this.cdc.awaitCaughtUp(Duration.ofSeconds(10))).isTrue();
		assertThat(this.jdbc.sql("SELECT count(*) FROM welcome_email").query(Long.class).single())
			.isEqualTo(mailsTo("ada@example.com"));
	}

	long mailsTo(String address) {
		return this.jdbc.sql("SELECT count(*) FROM welcome_email WHERE address = ?")
			.param(address)
			.query(Long.class)
			.single();
	}

}
