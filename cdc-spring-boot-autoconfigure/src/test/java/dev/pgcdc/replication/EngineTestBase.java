package dev.pgcdc.replication;

import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.AfterEach;

/**
 * For tests with one engine each: stops it after the test, whatever happened.
 */
abstract class EngineTestBase {

	ReplicationEngine engine;

	@AfterEach
	void stopEngine() {
		if (this.engine != null) {
			this.engine.stop();
		}
	}

	/**
	 * Create a database of the shared server and run statements in it (the tables of a test).
	 */
	static TestDatabase database(String prefix, String... ddl) {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase(prefix);
		database.execute(ddl);
		return database;
	}

}
