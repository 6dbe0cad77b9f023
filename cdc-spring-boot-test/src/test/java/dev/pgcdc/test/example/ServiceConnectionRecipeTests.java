package dev.pgcdc.test.example;

import java.time.Duration;

import dev.pgcdc.CdcControl;
import dev.pgcdc.test.EmbeddedCdcServer;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Testcontainers recipe of {@code docs/testing.md} without Docker: {@code @ServiceConnection} on a
 * {@code PostgreSQLContainer} bean registers a {@link JdbcConnectionDetails} bean with the container's URL
 * and credentials and nothing in {@code spring.datasource.*}; this test registers the same bean for the
 * embedded server, so what the recipe relies on (the DataSource and pgcdc both following the connection
 * details) is what runs here. {@code spring.datasource.url} points elsewhere on purpose: the connection
 * details win, as they do for a container.
 */
@SpringBootTest(properties = { "cdc.slot.name=service_connection_recipe",
		"spring.datasource.url=jdbc:postgresql://localhost:1/not-used" })
@Import(ServiceConnectionRecipeTests.PostgresContainerConfiguration.class)
class ServiceConnectionRecipeTests {

	@Autowired
	JdbcClient jdbc;

	@Autowired
	CdcControl cdc;

	@Test
	void newCustomerGetsAWelcomeMail() {
		this.jdbc.sql("INSERT INTO customers (name, email) VALUES ('Ada', 'ada@example.org')").update();

		assertThat(this.cdc.awaitCaughtUp(Duration.ofSeconds(10))).isTrue();
		assertThat(this.jdbc.sql("SELECT count(*) FROM welcome_email WHERE address = 'ada@example.org'")
			.query(Long.class)
			.single()).isEqualTo(1);
	}

	/** Stands in for the recipe's container configuration: the bean {@code @ServiceConnection} would add. */
	@TestConfiguration(proxyBeanMethods = false)
	static class PostgresContainerConfiguration {

		@Bean
		JdbcConnectionDetails postgresConnectionDetails() {
			return EmbeddedCdcServer.connectionDetails("service_connection_recipe");
		}

	}

}
