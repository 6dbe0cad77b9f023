package dev.pgcdc.replication;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableId;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Schema changes of captured tables while streaming: every event keeps the shape its table had when the
 * change was committed (PostgreSQL sends a Relation message before the first change of a new shape), and
 * typed mapping ({@code Row.to}) keeps working. Events queued before a change keep their old shape too.
 */
class SchemaChangeTests extends EngineTestBase {

	@Test
	void addRenameDropColumnAndChangeTypesWhileStreaming() {
		TestDatabase database = database("schema_change",
				"CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL, amount int)");
		CollectingConsumer consumer = new CollectingConsumer(false);
		this.engine = EngineTestSupport.start(database, "schema_change", consumer, "orders");
		// the statements run one after the other without waiting: the old-shape events are still queued, or
		// being built, when the next shape arrives
		database.execute("INSERT INTO orders VALUES (1, 'NEW', 10)",
				"ALTER TABLE orders ADD COLUMN note text",
				"INSERT INTO orders VALUES (2, 'NEW', 20, 'hello')",
				"ALTER TABLE orders RENAME COLUMN note TO remark",
				"UPDATE orders SET status = 'PAID' WHERE id = 2",
				"ALTER TABLE orders DROP COLUMN remark",
				"INSERT INTO orders VALUES (3, 'NEW', 30)",
				"ALTER TABLE orders ALTER COLUMN amount TYPE numeric(10,2)",
				"INSERT INTO orders VALUES (4, 'NEW', 12.50)",
				"ALTER TABLE orders ALTER COLUMN amount TYPE text USING amount::text || ' EUR'",
				"INSERT INTO orders VALUES (5, 'NEW', '7 EUR')",
				"CREATE TYPE mood AS ENUM ('calm', 'angry')",
				"ALTER TABLE orders ADD COLUMN mood mood DEFAULT 'calm'",
				"INSERT INTO orders VALUES (6, 'NEW', '8 EUR', 'angry')",
				"DELETE FROM orders WHERE id = 1");
		await().atMost(Duration.ofSeconds(30)).until(() -> consumer.changes.size() == 8);
		List<ChangeEvent> events = consumer.changes;

		assertThat(events.get(0).after().toMap()).containsExactly(Map.entry("id", 1L), Map.entry("status", "NEW"),
				Map.entry("amount", 10));
		assertThat(events.get(0).after().to(OrderV1.class)).isEqualTo(new OrderV1(1, "NEW", 10));

		assertThat(events.get(1).after().toMap()).containsExactly(Map.entry("id", 2L), Map.entry("status", "NEW"),
				Map.entry("amount", 20), Map.entry("note", "hello"));
		assertThat(events.get(1).after().to(OrderWithNote.class)).isEqualTo(new OrderWithNote(2, "NEW", 20, "hello"));
		assertThat(events.get(1).after().to(OrderV1.class)).as("a record without the new column still maps")
			.isEqualTo(new OrderV1(2, "NEW", 20));

		assertThat(events.get(2).operation()).isEqualTo(Operation.UPDATE);
		assertThat(events.get(2).after().toMap()).containsOnlyKeys("id", "status", "amount", "remark");
		assertThat(events.get(2).after().get("remark")).isEqualTo("hello");
		assertThat(events.get(2).after().contains("note")).isFalse();

		assertThat(events.get(3).after().toMap()).containsOnlyKeys("id", "status", "amount");
		assertThat(events.get(3).after().to(OrderWithNote.class)).as("a column dropped maps to null")
			.isEqualTo(new OrderWithNote(3, "NEW", 30, null));

		assertThat(events.get(4).after().get("amount")).isEqualTo(new BigDecimal("12.50"));
		assertThat(events.get(4).after().to(OrderWithDecimal.class))
			.isEqualTo(new OrderWithDecimal(4, "NEW", new BigDecimal("12.50")));

		assertThat(events.get(5).after().get("amount")).isEqualTo("7 EUR");
		assertThat(events.get(5).after().to(OrderWithText.class)).isEqualTo(new OrderWithText(5, "NEW", "7 EUR"));

		assertThat(events.get(6).after().get("mood")).as("a type created while streaming is looked up").isEqualTo("angry");

		assertThat(events.get(7).operation()).isEqualTo(Operation.DELETE);
		assertThat(events.get(7).before().get("id")).isEqualTo(1L);
		assertThat(events).extracting(ChangeEvent::table).containsOnly(new TableId("public", "orders"));
		assertThat(this.engine.state()).isEqualTo(EngineState.STREAMING);
	}

	@Test
	void tableAddedToThePublicationWhileStreamingIsDelivered() {
		TestDatabase database = database("schema_new_table",
				"CREATE TABLE orders (id bigint PRIMARY KEY, status text)");
		CollectingConsumer consumer = new CollectingConsumer(false);
		this.engine = EngineTestSupport.start(database, "schema_new_table", consumer, "orders");
		await().atMost(Duration.ofSeconds(20)).until(() -> this.engine.state() == EngineState.STREAMING);
		database.execute("INSERT INTO orders VALUES (1, 'NEW')",
				"CREATE TABLE customers (id bigint PRIMARY KEY, name text)",
				"INSERT INTO customers VALUES (1, 'not yet published')",
				"ALTER PUBLICATION schema_new_table ADD TABLE customers",
				"INSERT INTO customers VALUES (2, 'Ada')",
				"INSERT INTO orders VALUES (2, 'NEW')");
		await().atMost(Duration.ofSeconds(30)).until(() -> consumer.changes.size() == 3);
		assertThat(consumer.changes).extracting((event) -> event.table().name() + ":" + event.after().get("id"))
			.containsExactly("orders:1", "customers:2", "orders:2");
		assertThat(consumer.changes.get(1).after().to(Customer.class)).isEqualTo(new Customer(2, "Ada"));
	}

	@Test
	void tableCreatedUnderAnAllTablesPublicationIsDelivered() {
		TestDatabase database = database("schema_all_tables",
				"CREATE TABLE orders (id bigint PRIMARY KEY, status text)");
		CollectingConsumer consumer = new CollectingConsumer(false);
		this.engine = EngineTestSupport.start(database, "schema_all_tables", consumer);
		await().atMost(Duration.ofSeconds(20)).until(() -> this.engine.state() == EngineState.STREAMING);
		database.execute("CREATE TABLE customers (id bigint PRIMARY KEY, name text)",
				"INSERT INTO customers VALUES (1, 'Ada')");
		await().atMost(Duration.ofSeconds(30)).until(() -> consumer.changes.size() == 1);
		assertThat(consumer.changes.get(0).after().to(Customer.class)).isEqualTo(new Customer(1, "Ada"));
	}

	record OrderV1(long id, String status, Integer amount) {
	}

	record OrderWithNote(long id, String status, Integer amount, String note) {
	}

	record OrderWithDecimal(long id, String status, BigDecimal amount) {
	}

	record OrderWithText(long id, String status, String amount) {
	}

	record Customer(long id, String name) {
	}

}
