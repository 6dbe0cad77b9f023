package dev.pgcdc.replication;

import java.time.Duration;
import java.util.List;

import dev.pgcdc.event.ValueConverter;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;

/**
 * Builds engines against a test database.
 */
final class EngineTestSupport {

	private EngineTestSupport() {
	}

	static ReplicationSettings settings(TestDatabase database, String slot) {
		return ReplicationSettings
			.defaults(new ConnectionSettings(database.jdbcUrl(), database.username(), database.password()), slot, slot)
			.withIntervals(Duration.ofSeconds(1), Duration.ofSeconds(5));
	}

	/**
	 * Settings for a role of its own that streams an administrator's publication
	 * ({@code cdc.publication.create=false}); the test server trusts local connections, so no password.
	 */
	static ReplicationSettings.Builder asRole(TestDatabase database, String role, String slot, String publication,
			String... tables) {
		return ReplicationSettings.builder(new ConnectionSettings(database.jdbcUrl(), role, "unused"), slot, publication)
			.tables(List.of(tables))
			.createPublication(false)
			.statusInterval(Duration.ofSeconds(1));
	}

	/**
	 * Start an engine for some tables of a database, on a slot and a publication named {@code slot}.
	 */
	static ReplicationEngine start(TestDatabase database, String slot, ChangeConsumer consumer, String... tables) {
		ReplicationEngine engine = engine(settings(database, slot).withTables(List.of(tables)), consumer);
		engine.start();
		return engine;
	}

	static ReplicationEngine engine(ReplicationSettings settings, ChangeConsumer... consumers) {
		return new ReplicationEngine(settings, List.of(consumers), (consumer, item, failure) -> {
			throw failure;
		}, ValueConverter.simple());
	}

}
