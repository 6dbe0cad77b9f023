package dev.pgcdc.replication;

import java.time.Duration;
import java.util.List;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Misconfigurations and hostile inputs not covered elsewhere (see docs/failure-modes.md for the whole
 * table): each ends in a clear error or is handled safely, and never loses a change silently.
 */
class HostileInputTests extends EngineTestBase {

	@Test
	void databaseThatDoesNotExistFailsStartupNamingIt() {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("wrong_db");
		ReplicationSettings settings = ReplicationSettings.defaults(new ConnectionSettings(
				database.jdbcUrl() + "_missing", database.username(), database.password()), "wrong_db", "wrong_db");
		assertThatThrownBy(() -> start(settings)).isInstanceOf(ReplicationSetupException.class)
			.hasMessageContaining("Could not connect to PostgreSQL")
			.hasMessageContaining(database.name() + "_missing")
			.hasMessageContaining("does not exist")
			.hasMessageContaining("Check cdc.connection.*");
	}

	@Test
	void serverThatIsNotThereFailsStartupNamingTheAddress() {
		ReplicationSettings settings = ReplicationSettings.defaults(
				new ConnectionSettings("jdbc:postgresql://localhost:1/nowhere?connectTimeout=2", "postgres", "secret"),
				"nowhere", "nowhere");
		assertThatThrownBy(() -> start(settings)).isInstanceOf(ReplicationSetupException.class)
			.hasMessageContaining("Could not connect to PostgreSQL at jdbc:postgresql://localhost:1/nowhere")
			.hasMessageContaining("that the server is reachable")
			.hasMessageNotContaining("secret");
	}

	@Test
	void slotDroppedWhileStreamingStopsWithTheRecovery() throws Exception {
		TestDatabase database = database("slot_dropped", "CREATE TABLE items (id bigint PRIMARY KEY)");
		CollectingConsumer consumer = new CollectingConsumer(false);
		// a long back-off leaves time to drop the slot between the cut connection and the reconnection
		ReplicationSettings settings = EngineTestSupport.settings(database, "slot_dropped").withTables(List.of("items"))
			.toBuilder().reconnect(Duration.ofSeconds(3), Duration.ofSeconds(3)).build();
		this.engine = EngineTestSupport.engine(settings, consumer);
		this.engine.start();
		database.execute("INSERT INTO items VALUES (1)");
		await().atMost(Duration.ofSeconds(20)).until(() -> consumer.changes.size() == 1);
		database.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'slot_dropped'");
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> database
			.execute("SELECT pg_drop_replication_slot('slot_dropped')"));
		database.execute("INSERT INTO items VALUES (2)");
		await().atMost(Duration.ofSeconds(20)).until(() -> this.engine.state() == EngineState.FAILED);
		assertThat(this.engine.lastError()).contains("does not exist")
			.contains("dropped while streaming")
			.contains("cdc.snapshot.mode=initial");
	}

	@Test
	void publicationDroppedWhileStreamingStopsInsteadOfSkipping() {
		TestDatabase database = database("publication_dropped", "CREATE TABLE items (id bigint PRIMARY KEY)");
		CollectingConsumer consumer = new CollectingConsumer(false);
		this.engine = EngineTestSupport.start(database, "publication_dropped", consumer, "items");
		database.execute("INSERT INTO items VALUES (1)");
		await().atMost(Duration.ofSeconds(20)).until(() -> consumer.changes.size() == 1);
		database.execute("DROP PUBLICATION publication_dropped", "INSERT INTO items VALUES (2)");
		await().atMost(Duration.ofSeconds(30)).until(() -> this.engine.state() == EngineState.FAILED);
		assertThat(this.engine.lastError()).contains("publication_dropped").contains("does not exist");
		assertThat(consumer.changes).hasSize(1);
	}

	@Test
	void capturedTableDroppedWhileStreamingLeavesTheOthersStreaming() {
		TestDatabase database = database("table_dropped",
				"CREATE TABLE items (id bigint PRIMARY KEY)", "CREATE TABLE others (id bigint PRIMARY KEY)");
		CollectingConsumer consumer = new CollectingConsumer(false);
		this.engine = EngineTestSupport.start(database, "table_dropped", consumer, "items", "others");
		database.execute("INSERT INTO items VALUES (1)", "DROP TABLE items", "INSERT INTO others VALUES (2)");
		await().atMost(Duration.ofSeconds(20)).until(() -> consumer.changes.size() == 2);
		assertThat(consumer.changes).extracting((event) -> event.table().name()).containsExactly("items", "others");
		assertThat(this.engine.state()).isEqualTo(EngineState.STREAMING);
	}

	@Test
	void rowLargerThanTheQueueLimitIsDeliveredWhole() {
		TestDatabase database = database("enormous_row",
				"CREATE TABLE docs (id bigint PRIMARY KEY, body text, blob bytea)");
		CollectingConsumer consumer = new CollectingConsumer(true);
		this.engine = EngineTestSupport.engine(EngineTestSupport.settings(database, "enormous_row")
			.withTables(List.of("docs"))
			.withQueue(16, 1024 * 1024), consumer);
		this.engine.start();
		// 40 MB of text and 20 MB of bytea (40 MB as hex on the wire) in one row, with a queue of 1 MB
		database.execute("INSERT INTO docs SELECT 1, repeat(md5('x'), 1250000), decode(repeat('ab', 20000000), 'hex')",
				"INSERT INTO docs VALUES (2, 'small', NULL)");
		await().atMost(Duration.ofSeconds(60)).until(() -> consumer.changes.size() == 2);
		ChangeEvent enormous = consumer.changes.get(0);
		assertThat(((String) enormous.after().get("body")).length()).isEqualTo(40_000_000);
		assertThat(((byte[]) enormous.after().get("blob")).length).isEqualTo(20_000_000);
		assertThat(consumer.transactions).hasSize(2);
		assertThat(consumer.changes.get(1).after().get("body")).isEqualTo("small");
	}

	@Test
	void invalidUtf8IsRefusedByAUtf8DatabaseAndStopsTheStreamFromAnSqlAsciiOne() throws Exception {
		TestDatabase utf8 = database("utf8", "CREATE TABLE notes (id bigint PRIMARY KEY, body text)");
		assertThatThrownBy(() -> utf8.execute("INSERT INTO notes VALUES (1, convert_from('\\xe9'::bytea, 'UTF8'))"))
			.rootCause()
			.hasMessageContaining("invalid byte sequence for encoding \"UTF8\"");
		utf8.execute("CREATE DATABASE sql_ascii_notes ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
		TestDatabase ascii = new TestDatabase(utf8.port(), "sql_ascii_notes");
		ascii.execute("CREATE TABLE notes (id bigint PRIMARY KEY, body text)");
		CollectingConsumer consumer = new CollectingConsumer(false);
		this.engine = EngineTestSupport.start(ascii, "sql_ascii_notes", consumer, "notes");
		// an SQL_ASCII database stores any byte: 0xE9 alone is not UTF-8, and the server cannot send it
		ascii.execute("INSERT INTO notes VALUES (1, 'plain')");
		await().atMost(Duration.ofSeconds(20)).until(() -> consumer.changes.size() == 1);
		ascii.execute("INSERT INTO notes VALUES (2, E'caf\\xe9')", "INSERT INTO notes VALUES (3, 'after')");
		await().atMost(Duration.ofSeconds(20)).until(() -> this.engine.state() == EngineState.FAILED);
		assertThat(consumer.changes).extracting((event) -> event.after().get("id")).containsExactly(1L);
		assertThat(this.engine.lastError()).contains("invalid byte sequence")
			.contains("SQL_ASCII")
			.contains("pg_replication_slot_advance('sql_ascii_notes'");
		assertThat(ascii.confirmedFlush("sql_ascii_notes")).as("the slot keeps the change that could not be sent")
			.isNotNull();
	}

	@Test
	void sqlInConfiguredNamesIsAnUnknownNameNeverExecuted() {
		TestDatabase database = database("injection", "CREATE TABLE victims (id bigint PRIMARY KEY)");
		ReplicationSettings tables = EngineTestSupport.settings(database, "injection")
			.withTables(List.of("victims; DROP TABLE victims; --"));
		assertThatThrownBy(() -> start(tables)).isInstanceOf(ReplicationSetupException.class)
			.hasMessageContaining("does not exist");
		ReplicationSettings publication = ReplicationSettings.defaults(new ConnectionSettings(database.jdbcUrl(),
				database.username(), database.password()), "injection", "p\"; DROP TABLE victims; --");
		this.engine = EngineTestSupport.engine(publication.withTables(List.of("victims")), new CollectingConsumer(false));
		this.engine.start();
		this.engine.stop();
		// fails if the table was dropped
		database.execute("SELECT 'victims'::regclass");
		assertThat(countPublications(database, "p\"; DROP TABLE victims; --")).as("the odd name is a name").isOne();
	}

	@Test
	void quotedMixedCaseAndUnicodeIdentifiersStream() {
		TestDatabase database = database("identifiers", "CREATE SCHEMA \"Sales Ünits\"",
				"CREATE TABLE \"Sales Ünits\".\"Order \"\"Items\"\"\" (\"Id\" bigint PRIMARY KEY, \"naïve column\" text)");
		CollectingConsumer consumer = new CollectingConsumer(false);
		this.engine = EngineTestSupport.start(database, "identifiers", consumer, "Sales Ünits.Order \"Items\"");
		database.execute("INSERT INTO \"Sales Ünits\".\"Order \"\"Items\"\"\" VALUES (1, 'ok')");
		await().atMost(Duration.ofSeconds(20)).until(() -> consumer.changes.size() == 1);
		ChangeEvent event = consumer.changes.get(0);
		assertThat(event.table().schema()).isEqualTo("Sales Ünits");
		assertThat(event.table().name()).isEqualTo("Order \"Items\"");
		assertThat(event.after().get("Id")).isEqualTo(1L);
		assertThat(event.after().get("naïve column")).isEqualTo("ok");
	}

	private static long countPublications(TestDatabase database, String name) {
		try (var connection = database.connect();
				var statement = connection.prepareStatement("SELECT count(*) FROM pg_publication WHERE pubname = ?")) {
			statement.setString(1, name);
			try (var rs = statement.executeQuery()) {
				rs.next();
				return rs.getLong(1);
			}
		}
		catch (java.sql.SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private void start(ReplicationSettings settings) {
		this.engine = EngineTestSupport.engine(settings, new CollectingConsumer(false));
		this.engine.start();
	}

}
