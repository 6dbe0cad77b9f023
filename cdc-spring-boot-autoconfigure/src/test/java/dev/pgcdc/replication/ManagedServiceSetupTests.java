package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;

import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The start-up checks as a managed service's roles meet them: replication granted by role membership
 * (Amazon RDS and Aurora), a role that may replicate but not read the tables a snapshot reads, and a
 * publication an administrator created that does not match the configuration.
 */
class ManagedServiceSetupTests extends EngineTestBase {

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = EngineTestBase.database("managed", "CREATE TABLE orders (id bigint PRIMARY KEY, status text)",
				"CREATE TABLE customers (id bigint PRIMARY KEY, email text)",
				"INSERT INTO orders SELECT g, 'NEW' FROM generate_series(1, 50) g",
				"CREATE TABLE readings (id bigint, day date NOT NULL, PRIMARY KEY (id, day)) PARTITION BY RANGE (day)",
				"CREATE TABLE readings_2026 PARTITION OF readings FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')");
	}

	@Test
	void memberOfRdsReplicationPassesTheRoleCheck() throws Exception {
		// as on Amazon RDS: the role's own REPLICATION attribute is false, membership (here through a group) grants it
		database.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_replication') THEN "
				+ "CREATE ROLE rds_replication NOLOGIN; END IF; END $$",
				"CREATE ROLE cdc_apps NOLOGIN", "GRANT rds_replication TO cdc_apps",
				"CREATE ROLE rds_app LOGIN NOREPLICATION", "GRANT cdc_apps TO rds_app",
				"CREATE ROLE plain_app LOGIN NOREPLICATION");
		ReplicationSetup setup = new ReplicationSetup(EngineTestSupport.settings(database, "rds_role"));
		try (Connection member = connectAs("rds_app")) {
			assertThat(member.createStatement().executeQuery("SELECT rolreplication FROM pg_roles WHERE rolname = "
					+ "current_user")).satisfies((rs) -> assertThat(rs.next() && rs.getBoolean(1)).isFalse());
			assertThatNoException().isThrownBy(() -> setup.checkRole(member));
		}
		try (Connection plain = connectAs("plain_app")) {
			assertThatThrownBy(() -> setup.checkRole(plain)).isInstanceOf(ReplicationSetupException.class)
				.hasMessageContaining("Role 'plain_app' may not stream changes")
				.hasMessageContaining("ALTER ROLE \"plain_app\" WITH REPLICATION")
				.hasMessageContaining("GRANT rds_replication TO \"plain_app\"");
		}
	}

	@Test
	void roleThatMayReplicateButNotReadFailsAnInitialSnapshotNamingTheGrant() {
		database.execute("CREATE ROLE snap_reader LOGIN REPLICATION", "GRANT CREATE ON SCHEMA public TO snap_reader",
				"CREATE PUBLICATION admin_orders FOR TABLE orders");
		ReplicationSettings settings = EngineTestSupport.asRole(database, "snap_reader", "snap_reader", "admin_orders",
				"orders")
			.snapshot(SnapshotMode.INITIAL, 1000)
			.build();
		this.engine = EngineTestSupport.engine(settings, new CollectingConsumer(false));
		assertThatThrownBy(this.engine::start).isInstanceOf(ReplicationSetupException.class)
			.hasMessageContaining("Role 'snap_reader' may not read public.orders")
			.hasMessageContaining("cdc.snapshot.mode=initial")
			.hasMessageContaining("GRANT SELECT ON \"public\".\"orders\" TO \"snap_reader\"");
		assertThat(this.engine.state()).isEqualTo(EngineState.FAILED);

		database.execute("GRANT SELECT ON orders TO snap_reader");
		CollectingConsumer consumer = new CollectingConsumer(false);
		this.engine = EngineTestSupport.engine(settings, consumer);
		this.engine.start();
		await().atMost(Duration.ofSeconds(30)).until(() -> this.engine.state() == EngineState.STREAMING);
		await().atMost(Duration.ofSeconds(10)).until(() -> consumer.changes.size() == 50);
	}

	@Test
	void reSnapshotOfATableTheRoleMayNotReadIsRefusedNamingTheGrant() {
		database.execute("CREATE ROLE resnap_reader LOGIN REPLICATION", "GRANT SELECT ON orders TO resnap_reader",
				"GRANT CREATE ON SCHEMA public TO resnap_reader",
				"CREATE PUBLICATION admin_both FOR TABLE orders, customers");
		ReplicationSettings settings = EngineTestSupport
			.asRole(database, "resnap_reader", "resnap_reader", "admin_both", "orders", "customers")
			.build();
		this.engine = EngineTestSupport.engine(settings, new CollectingConsumer(false));
		this.engine.start();
		await().atMost(Duration.ofSeconds(20)).until(() -> this.engine.state() == EngineState.STREAMING);
		assertThatThrownBy(() -> this.engine.resnapshot(List.of("orders", "customers")))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("Role 'resnap_reader' may not read public.customers, which the re-snapshot reads")
			.hasMessageContaining("GRANT SELECT ON \"public\".\"customers\" TO \"resnap_reader\"");
		assertThat(this.engine.state()).isEqualTo(EngineState.STREAMING);
	}

	@Test
	void unmanagedPublicationWithoutAConfiguredTableFailsNamingTheAlterPublication() {
		database.execute("CREATE PUBLICATION only_orders FOR TABLE orders");
		ReplicationSettings settings = EngineTestSupport.settings(database, "only_orders")
			.withTables(List.of("orders", "customers"))
			.withCreation(true, false, false);
		this.engine = EngineTestSupport.engine(settings, new CollectingConsumer(false));
		assertThatThrownBy(this.engine::start).isInstanceOf(ReplicationSetupException.class)
			.hasMessageContaining("Publication 'only_orders' does not match the configuration")
			.hasMessageContaining("it does not publish public.customers listed in cdc.publication.tables")
			.hasMessageContaining("ALTER PUBLICATION \"only_orders\" ADD TABLE \"public\".\"customers\"");
	}

	@Test
	void unmanagedPublicationWithTheWrongFlagsFailsNamingTheSetOptions() {
		database.execute("CREATE PUBLICATION leaf_names FOR TABLE readings WITH (publish = 'insert, update')");
		ReplicationSettings settings = EngineTestSupport.settings(database, "leaf_names")
			.withTables(List.of("readings"))
			.withCreation(true, false, false);
		this.engine = EngineTestSupport.engine(settings, new CollectingConsumer(false));
		assertThatThrownBy(this.engine::start).isInstanceOf(ReplicationSetupException.class)
			.hasMessageContaining("publish_via_partition_root = false")
			.hasMessageContaining("it does not publish every operation")
			.hasMessageContaining("ALTER PUBLICATION \"leaf_names\" SET (publish = 'insert, update, delete, truncate')")
			.hasMessageContaining("ALTER PUBLICATION \"leaf_names\" SET (publish_via_partition_root = true)")
			.hasMessageNotContaining("ADD TABLE");
	}

	@Test
	void managedPublicationGetsTheFlagsItLacks() throws Exception {
		database.execute("CREATE PUBLICATION aligned FOR TABLE readings WITH (publish = 'insert')");
		ReplicationSettings settings = EngineTestSupport.settings(database, "aligned").withTables(List.of("readings"));
		try (Connection connection = database.connect()) {
			new ReplicationSetup(settings).prepare(connection);
			assertThat(PublicationCheck.flags(connection, "aligned"))
				.isEqualTo(new PublicationCheck.Flags(false, true, true));
		}
	}

	private static Connection connectAs(String role) throws Exception {
		// the embedded server trusts local connections: no password needed
		return DriverManager.getConnection(database.jdbcUrl(), role, "unused");
	}

}
