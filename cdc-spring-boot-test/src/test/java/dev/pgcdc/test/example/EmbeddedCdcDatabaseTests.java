package dev.pgcdc.test.example;

import java.sql.Connection;
import java.time.Duration;

import javax.sql.DataSource;

import dev.pgcdc.CdcControl;
import dev.pgcdc.test.EmbeddedCdcDatabase;
import dev.pgcdc.test.EmbeddedCdcServer;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * What {@link EmbeddedCdcDatabase} promises beyond the documented example: a database of its own by name,
 * a server with {@code wal_level=logical}, and the application pointed at it whatever
 * {@code spring.datasource.url} says.
 */
@SpringBootTest(properties = { "cdc.slot.name=embedded_other_database",
		"spring.datasource.url=jdbc:postgresql://localhost:1/not-used" })
@EmbeddedCdcDatabase(database = "other_database")
class EmbeddedCdcDatabaseTests {

	@Autowired
	DataSource dataSource;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	CdcControl cdc;

	@Test
	void theApplicationUsesTheNamedDatabaseOfTheEmbeddedServer() throws Exception {
		try (Connection connection = this.dataSource.getConnection()) {
			assertThat(connection.getMetaData().getURL())
				.isEqualTo("jdbc:postgresql://localhost:" + EmbeddedCdcServer.server().getPort() + "/other_database");
		}
		assertThat(this.jdbc.sql("SHOW wal_level").query(String.class).single()).isEqualTo("logical");
		this.jdbc.sql("INSERT INTO customers (name, email) VALUES ('Alan', 'alan@example.com')").update();
		assertThat(this.cdc.awaitCaughtUp(Duration.ofSeconds(10))).isTrue();
		assertThat(this.jdbc.sql("SELECT address FROM welcome_email").query(String.class).list())
			.containsExactly("alan@example.com");
	}

	@Test
	void anInvalidDatabaseNameFailsNamingTheAttribute() {
		assertThatIllegalArgumentException().isThrownBy(() -> EmbeddedCdcServer.jdbcUrl("drop table; --"))
			.withMessageContaining("@EmbeddedCdcDatabase(database = \"drop table; --\") is not a valid database name");
	}

}
