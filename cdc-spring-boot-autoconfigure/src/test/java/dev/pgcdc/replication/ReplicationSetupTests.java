package dev.pgcdc.replication;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each way a database can be unready for change data capture, and the message that tells the user
 * what to do about it.
 */
class ReplicationSetupTests {

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = EmbeddedPostgresSupport.createDatabase("setup");
		database.execute("CREATE TABLE orders (id bigint PRIMARY KEY, status text)",
				"CREATE TABLE keyless (name text, value text)");
	}

	@Test
	void walLevelNotLogical() throws IOException {
		try (EmbeddedPostgres replica = EmbeddedPostgresSupport.builder().setServerConfig("wal_level", "replica").start()) {
			TestDatabase db = EmbeddedPostgresSupport.createDatabase(replica, "replica");
			assertThatThrownBy(() -> start(EngineTestSupport.settings(db, "walcheck")))
				.isInstanceOf(ReplicationSetupException.class)
				.hasMessageContaining("wal_level is 'replica'")
				.hasMessageContaining("ALTER SYSTEM SET wal_level = logical")
				.hasMessageContaining("rds.logical_replication");
		}
	}

	@Test
	void noFreeReplicationSlot() throws Exception {
		try (EmbeddedPostgres small = EmbeddedPostgresSupport.builder().setServerConfig("max_replication_slots", "1")
			.start()) {
			TestDatabase db = EmbeddedPostgresSupport.createDatabase(small, "small");
			db.execute("SELECT pg_create_logical_replication_slot('someone_else', 'pgoutput')");
			assertThatThrownBy(() -> start(EngineTestSupport.settings(db, "mine")))
				.isInstanceOf(ReplicationSetupException.class)
				.hasMessageContaining("No free replication slot")
				.hasMessageContaining("max_replication_slots = 1")
				.hasMessageContaining("pg_drop_replication_slot");
		}
	}

	@Test
	void slotWithAnotherPlugin() {
		database.execute("SELECT pg_create_logical_replication_slot('other_plugin', 'test_decoding')");
		assertThatThrownBy(() -> start(EngineTestSupport.settings(database, "other_plugin")))
			.isInstanceOf(ReplicationSetupException.class)
			.hasMessageContaining("uses the output plugin 'test_decoding'")
			.hasMessageContaining("Choose another cdc.slot.name")
			.hasMessageContaining("pg_drop_replication_slot('other_plugin')");
	}

	@Test
	void physicalSlotWithTheSameName() {
		database.execute("SELECT pg_create_physical_replication_slot('physical_one')");
		assertThatThrownBy(() -> start(EngineTestSupport.settings(database, "physical_one")))
			.isInstanceOf(ReplicationSetupException.class)
			.hasMessageContaining("is a physical slot");
	}

	@Test
	void configuredTableDoesNotExist() {
		assertThatThrownBy(() -> start(EngineTestSupport.settings(database, "missing_table")
			.withTables(List.of("orders", "sales.invoices"))))
			.isInstanceOf(ReplicationSetupException.class)
			.hasMessageContaining("Table sales.invoices listed in cdc.publication.tables does not exist")
			.hasMessageContaining("create the table");
	}

	@Test
	void roleWithoutReplication() {
		database.execute("CREATE ROLE app_user LOGIN PASSWORD 'secret' NOREPLICATION");
		ReplicationSettings settings = ReplicationSettings.defaults(
				new ConnectionSettings(database.jdbcUrl(), "app_user", "secret"), "norepl", "norepl");
		assertThatThrownBy(() -> start(settings)).isInstanceOf(ReplicationSetupException.class)
			.hasMessageContaining("Role 'app_user' may not stream changes")
			.hasMessageContaining("ALTER ROLE \"app_user\" WITH REPLICATION");
	}

	@Test
	void publicationMissingWithCreateOff() {
		ReplicationSettings settings = EngineTestSupport.settings(database, "nopub")
			.withTables(List.of("orders"))
			.withCreation(true, false, false);
		assertThatThrownBy(() -> start(settings)).isInstanceOf(ReplicationSetupException.class)
			.hasMessageContaining("Publication 'nopub' does not exist and cdc.publication.create=false")
			.hasMessageContaining("CREATE PUBLICATION \"nopub\" FOR TABLE \"public\".\"orders\"");
	}

	@Test
	void slotMissingWithCreateOff() {
		ReplicationSettings settings = EngineTestSupport.settings(database, "noslot").withCreation(false, false, true);
		assertThatThrownBy(() -> start(settings)).isInstanceOf(ReplicationSetupException.class)
			.hasMessageContaining("Replication slot 'noslot' does not exist and cdc.slot.create=false");
	}

	@Test
	void wrongPassword() throws Exception {
		ReplicationSettings settings = ReplicationSettings.defaults(
				new ConnectionSettings(database.jdbcUrl(), "app_user_pw", "wrong"), "pw", "pw");
		database.execute("CREATE ROLE app_user_pw LOGIN PASSWORD 'right' REPLICATION");
		requirePasswordFor("app_user_pw");
		assertThatThrownBy(() -> start(settings)).isInstanceOf(ReplicationSetupException.class)
			.hasMessageContaining("Could not connect to PostgreSQL")
			.hasMessageContaining("Check cdc.connection.*")
			.hasMessageNotContaining("wrong");
	}

	@Test
	void tableWithoutKeyOrReplicaIdentityIsAWarning() throws Exception {
		ReplicationSetup setup = new ReplicationSetup(EngineTestSupport.settings(database, "keyless")
			.withTables(List.of("orders", "keyless")));
		try (var connection = database.connect()) {
			setup.prepare(connection);
		}
		assertThat(setup.warnings()).singleElement()
			.asString()
			.contains("Table public.keyless has no primary key and no replica identity")
			.contains("ALTER TABLE \"public\".\"keyless\" REPLICA IDENTITY FULL");
	}

	@Test
	void createdPublicationFollowsTheConfiguredTables() throws Exception {
		database.execute("CREATE TABLE extra (id int PRIMARY KEY)");
		ReplicationSettings first = EngineTestSupport.settings(database, "follow").withTables(List.of("orders"));
		try (var connection = database.connect()) {
			new ReplicationSetup(first).prepare(connection);
			new ReplicationSetup(first.withTables(List.of("orders", "public.extra"))).prepare(connection);
			try (var rs = connection.createStatement().executeQuery(
					"SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_publication_tables WHERE pubname = 'follow'")) {
				rs.next();
				assertThat(rs.getString(1)).isEqualTo("extra,orders");
			}
			new ReplicationSetup(first.withTables(List.of())).prepare(connection);
			try (var rs = connection.createStatement().executeQuery(
					"SELECT puballtables FROM pg_publication WHERE pubname = 'follow'")) {
				rs.next();
				assertThat(rs.getBoolean(1)).isTrue();
			}
		}
	}

	/** The embedded server trusts every local connection; make it check one role's password. */
	private static void requirePasswordFor(String role) throws Exception {
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SHOW hba_file")) {
			rs.next();
			Path hba = Path.of(rs.getString(1));
			String rule = "host all " + role + " 127.0.0.1/32 scram-sha-256\nhost all " + role + " ::1/128 scram-sha-256\n";
			Files.writeString(hba, rule + Files.readString(hba));
			statement.execute("SELECT pg_reload_conf()");
		}
	}

	private static void start(ReplicationSettings settings) {
		ReplicationEngine engine = EngineTestSupport.engine(settings, new CollectingConsumer(false));
		try {
			engine.start();
		}
		finally {
			engine.stop();
		}
	}

}
