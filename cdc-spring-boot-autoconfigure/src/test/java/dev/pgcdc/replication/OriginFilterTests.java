package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code cdc.origin}: changes applied under a replication origin, as a subscription in a two-way setup
 * applies them, are left out with {@link OriginFilter#NONE} and delivered with {@link OriginFilter#ANY}.
 *
 * <p>Runs on whatever server the build uses; on one older than PostgreSQL 16 it checks the start-up failure
 * instead of the filtering.
 */
class OriginFilterTests extends EngineTestBase {

	private static TestDatabase database;

	private static int serverVersion;

	@BeforeAll
	static void createDatabase() throws SQLException {
		database = database("origin", "CREATE TABLE items (id int PRIMARY KEY, source text)");
		try (Connection connection = database.connect()) {
			serverVersion = Integer.parseInt(ReplicationSetup.queryString(connection, "SHOW server_version_num"));
		}
	}

	@Test
	void originNoneLeavesOutChangesAppliedUnderAReplicationOriginAndKeepsLocalOnes() throws SQLException {
		CollectingConsumer consumer = new CollectingConsumer(false);
		this.engine = engine("origin_none", OriginFilter.NONE, consumer);
		if (serverVersion < OriginFilter.MIN_SERVER_VERSION_FOR_NONE) {
			assertThatThrownBy(this.engine::start).isInstanceOf(ReplicationSetupException.class)
				.hasMessageContaining("cdc.origin=none needs PostgreSQL 16 or later")
				.hasMessageContaining("PostgreSQL " + serverVersion / 10000);
			return;
		}
		this.engine.start();
		insertUnderOrigin("origin_none_peer", 1, 2);
		database.execute("INSERT INTO items VALUES (3, 'local')", "INSERT INTO items VALUES (4, 'local')");
		await().atMost(Duration.ofSeconds(20)).until(() -> ids(consumer).contains(4));
		assertThat(ids(consumer)).as("only the local rows; the replicated ones committed before them")
			.containsExactly(3, 4);
	}

	@Test
	void originAnyDeliversReplicatedAndLocalChanges() throws SQLException {
		CollectingConsumer consumer = new CollectingConsumer(false);
		this.engine = engine("origin_any", OriginFilter.ANY, consumer);
		this.engine.start();
		insertUnderOrigin("origin_any_peer", 11, 12);
		database.execute("INSERT INTO items VALUES (13, 'local')");
		await().atMost(Duration.ofSeconds(20)).until(() -> ids(consumer).contains(13));
		assertThat(ids(consumer)).containsExactly(11, 12, 13);
	}

	@Test
	void originNoneFailsStartUpOnServersBefore16NamingTheKeyAndTheVersion() {
		ReplicationSetup setup = new ReplicationSetup(
				EngineTestSupport.settings(database, "unused").toBuilder().origin(OriginFilter.NONE).build());
		assertThatThrownBy(() -> setup.checkOriginFilter(150007)).isInstanceOf(ReplicationSetupException.class)
			.hasMessageContaining("cdc.origin=none needs PostgreSQL 16 or later")
			.hasMessageContaining("PostgreSQL 15 (server_version_num 150007)")
			.hasMessageContaining("set cdc.origin=any");
		assertThatNoException().isThrownBy(() -> setup.checkOriginFilter(160000));
		ReplicationSetup any = new ReplicationSetup(EngineTestSupport.settings(database, "unused"));
		assertThatNoException().isThrownBy(() -> any.checkOriginFilter(140000));
	}

	@Test
	void onlyNoneAddsAStreamOption() {
		assertThat(OriginFilter.ANY.slotOptions()).isEmpty();
		assertThat(OriginFilter.NONE.slotOptions()).containsExactly(Map.entry("origin", "none"));
	}

	private static ReplicationEngine engine(String slot, OriginFilter origin, CollectingConsumer consumer) {
		return EngineTestSupport.engine(EngineTestSupport.settings(database, slot)
			.toBuilder()
			.tables(List.of("items"))
			.origin(origin)
			.build(), consumer);
	}

	/** What a subscription's apply worker does: mark the session's changes with a replication origin. */
	private static void insertUnderOrigin(String origin, int... ids) throws SQLException {
		try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
			statement.execute("SELECT pg_replication_origin_create('" + origin + "')");
			statement.execute("SELECT pg_replication_origin_session_setup('" + origin + "')");
			for (int id : ids) {
				statement.execute("INSERT INTO items VALUES (" + id + ", 'replicated')");
			}
			statement.execute("SELECT pg_replication_origin_session_reset()");
			statement.execute("SELECT pg_replication_origin_drop('" + origin + "')");
		}
	}

	private static List<Object> ids(CollectingConsumer consumer) {
		return consumer.changes.stream().map(ChangeEvent::row).map((row) -> row.get("id")).toList();
	}

}
