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

	static ReplicationEngine engine(ReplicationSettings settings, ChangeConsumer... consumers) {
		return new ReplicationEngine(settings, List.of(consumers), (consumer, item, failure) -> {
			throw failure;
		}, ValueConverter.simple());
	}

}
