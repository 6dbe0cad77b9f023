package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;

import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The slots pgcdc creates are failover slots on PostgreSQL 17 and later ({@code cdc.slot.failover}), whichever
 * way they are created; an existing slot is made one; and a slot missing after a failover is explained. The
 * failover itself is in {@code FaultInjectionCampaignTests#primaryFailoverToASynchronizedStandby}.
 */
class FailoverSlotTests extends EngineTestBase {

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = EngineTestBase.database("failover_slots", "CREATE TABLE items (id bigint PRIMARY KEY, payload text)",
				"INSERT INTO items VALUES (1, 'one')");
	}

	@Test
	void slotCreatedOverSqlIsAFailoverSlot() throws Exception {
		this.engine = EngineTestSupport.start(database, "fo_sql", new CollectingConsumer(false), "items");
		assertThat(failover("fo_sql")).isTrue();
	}

	@Test
	void slotCreatedExportingASnapshotIsAFailoverSlot() throws Exception {
		CollectingConsumer consumer = new CollectingConsumer(false);
		this.engine = EngineTestSupport.engine(EngineTestSupport.settings(database, "fo_snapshot")
			.toBuilder()
			.tables(List.of("items"))
			.snapshot(SnapshotMode.INITIAL, 100)
			.build(), consumer);
		this.engine.start();
		await().atMost(Duration.ofSeconds(20)).until(() -> this.engine.state() == EngineState.STREAMING);
		assertThat(consumer.changes).hasSize(1);
		assertThat(failover("fo_snapshot")).isTrue();
	}

	@Test
	void failoverOffCreatesAnOrdinarySlot() throws Exception {
		this.engine = EngineTestSupport.engine(EngineTestSupport.settings(database, "fo_off")
			.toBuilder()
			.tables(List.of("items"))
			.failoverSlot(false)
			.build(), new CollectingConsumer(false));
		this.engine.start();
		assertThat(failover("fo_off")).isFalse();
	}

	@Test
	void existingOrdinarySlotIsMadeAFailoverSlot() throws Exception {
		database.execute("SELECT pg_create_logical_replication_slot('fo_existing', 'pgoutput')");
		assertThat(failover("fo_existing")).isFalse();
		this.engine = EngineTestSupport.start(database, "fo_existing", new CollectingConsumer(false), "items");
		assertThat(failover("fo_existing")).isTrue();
	}

	@Test
	void olderServersIgnoreTheSetting() {
		FailoverSlots slots = new FailoverSlots(EngineTestSupport.settings(database, "fo_old"));
		assertThat(slots.enabled(160004)).isFalse();
		assertThat(slots.enabled(170004)).isTrue();
		assertThat(new FailoverSlots(EngineTestSupport.settings(database, "fo_old").toBuilder().failoverSlot(false).build())
			.enabled(170004)).isFalse();
	}

	@Test
	void slotMissingAfterAFailoverIsExplainedWithTheRecovery() {
		String onPromoted = FailoverSlots.missingSlotMessage("orders_cdc", 2, 170004);
		assertThat(onPromoted).contains("Replication slot 'orders_cdc' does not exist on this server, which was promoted "
				+ "from a standby (timeline 2)")
			.contains("changes made since the slot's last synchronization")
			.contains("cdc.snapshot.mode=initial")
			.contains("sync_replication_slots = on");
		assertThat(FailoverSlots.missingSlotMessage("orders_cdc", 2, 160002))
			.contains("PostgreSQL 16 cannot synchronize slots to a standby");
		PgConnector connector = new PgConnector(EngineTestSupport.settings(database, "x").connection());
		assertThat(FailoverSlots.explainMissingSlot(connector, "never_created"))
			.contains("Replication slot 'never_created' does not exist any more");
		database.execute("SELECT pg_create_logical_replication_slot('fo_present', 'pgoutput')");
		assertThat(FailoverSlots.explainMissingSlot(connector, "fo_present")).isNull();
	}

	private static boolean failover(String slot) throws Exception {
		try (Connection connection = database.connect(); PreparedStatement statement = connection
			.prepareStatement("SELECT failover FROM pg_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, slot);
			try (ResultSet rs = statement.executeQuery()) {
				assertThat(rs.next()).as("slot %s exists", slot).isTrue();
				return rs.getBoolean(1);
			}
		}
	}

}
