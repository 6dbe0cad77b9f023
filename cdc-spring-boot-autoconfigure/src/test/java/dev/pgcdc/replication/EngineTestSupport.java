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
