package dev.pgcdc.autoconfigure;

import dev.pgcdc.replication.OriginFilter;
import dev.pgcdc.replication.ReplicationSettings;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code cdc.origin} from the properties to the engine settings, and its bad values. What the filter does
 * is in {@code OriginFilterTests}.
 */
class OriginPropertyTests {

	private static TestDatabase database;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, CdcAutoConfiguration.class));

	@BeforeAll
	static void createDatabase() {
		database = EmbeddedPostgresSupport.createDatabase("originprops");
		database.execute("CREATE TABLE orders (id bigint PRIMARY KEY)");
	}

	private ApplicationContextRunner withDatabase(String slot) {
		return this.runner.withPropertyValues(database.cdcProperties(slot))
			.withPropertyValues("cdc.publication.tables=orders", "cdc.status-interval=1s");
	}

	@Test
	void originDefaultsToAny() {
		withDatabase("origin_default").run((context) -> assertThat(context.getBean(ReplicationSettings.class).origin())
			.isEqualTo(OriginFilter.ANY));
	}

	@Test
	void originNoneReachesTheEngineSettings() {
		withDatabase("origin_none_prop").withPropertyValues("cdc.origin=none")
			.run((context) -> assertThat(context.getBean(ReplicationSettings.class).origin())
				.isEqualTo(OriginFilter.NONE));
	}

	@Test
	void unknownOriginFailsNamingTheKey() {
		withDatabase("x").withPropertyValues("cdc.origin=local").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasStackTraceContaining("cdc.origin");
		});
	}

}
