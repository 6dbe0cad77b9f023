package dev.pgcdc.listener;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Typed {@code @CdcListener} parameters while the captured table's schema changes under a running
 * application: added, renamed and dropped columns, a widened type, and a table created under a
 * {@code FOR ALL TABLES} publication.
 * No listener fails, nothing is dead-lettered, and each record gets the values of its change.
 */
class CdcListenerSchemaChangeTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, CdcAutoConfiguration.class));

	@Test
	void typedListenersKeepWorkingWhileColumnsAndTablesChange() {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("listener_schema");
		database.execute("CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL, total int)",
				"CREATE TABLE customers (id bigint PRIMARY KEY, email text)");
		this.runner
			.withPropertyValues(database.cdcProperties("listener_schema"))
			.withPropertyValues("cdc.listener.retry.max-attempts=1",
					"cdc.listener.dead-letter-table=dl_listener_schema")
			.withUserConfiguration(TypedListeners.class)
			.run((context) -> {
				await().atMost(Duration.ofSeconds(20))
					.until(() -> context.getBean(ReplicationEngine.class).state() == EngineState.STREAMING);
				database.execute("INSERT INTO orders VALUES (1, 'NEW', 10)",
						"ALTER TABLE orders ADD COLUMN note text",
						"INSERT INTO orders VALUES (2, 'NEW', 20, 'gift')",
						"ALTER TABLE orders RENAME COLUMN note TO remark",
						"UPDATE orders SET status = 'PAID' WHERE id = 2",
						"ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2)",
						"INSERT INTO orders VALUES (3, 'NEW', 30.25, 'x')",
						"ALTER TABLE orders DROP COLUMN remark",
						"INSERT INTO orders VALUES (4, 'NEW', 40)",
						"INSERT INTO customers VALUES (7, 'ada@example.com')",
						"CREATE TABLE invoices (id bigint PRIMARY KEY, amount numeric(12,2))",
						"INSERT INTO invoices VALUES (9, 99.90)");
				TypedListeners listeners = context.getBean(TypedListeners.class);
				await().atMost(Duration.ofSeconds(30)).until(() -> listeners.invoices.size() == 1);
				assertThat(listeners.orders).containsExactly(new Order(1, "NEW", new BigDecimal("10"), null),
						new Order(2, "NEW", new BigDecimal("20"), "gift"), new Order(2, "PAID", new BigDecimal("20"), null),
						new Order(3, "NEW", new BigDecimal("30.25"), null), new Order(4, "NEW", new BigDecimal("40.00"), null));
				assertThat(listeners.remarks).as("the renamed column, by its new name").containsExactly("gift", "x");
				assertThat(listeners.operations).containsExactly(Operation.INSERT, Operation.INSERT, Operation.UPDATE,
						Operation.INSERT, Operation.INSERT);
				assertThat(listeners.customers).containsExactly(new Customer(7, "ada@example.com"));
				assertThat(listeners.invoices).as("a table created while streaming (FOR ALL TABLES)")
					.containsExactly(new Invoice(9, new BigDecimal("99.90")));
				assertThat(context.getBean(ReplicationEngine.class).state()).isEqualTo(EngineState.STREAMING);
				assertThat(database.confirmedFlush("listener_schema")).isNotNull();
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class TypedListeners {

		final List<Order> orders = new CopyOnWriteArrayList<>();

		final List<String> remarks = new CopyOnWriteArrayList<>();

		final List<Operation> operations = new CopyOnWriteArrayList<>();

		final List<Customer> customers = new CopyOnWriteArrayList<>();

		final List<Invoice> invoices = new CopyOnWriteArrayList<>();

		@CdcListener(tables = "orders")
		void order(Order order, ChangeEvent event) {
			this.orders.add(order);
			this.operations.add(event.operation());
			if (event.after().contains("remark")) {
				this.remarks.add(event.after().get("remark", String.class));
			}
		}

		@CdcListener(tables = "customers")
		void customer(Customer customer) {
			this.customers.add(customer);
		}

		@CdcListener(operations = Operation.INSERT)
		void any(ChangeEvent event) {
			if (event.table().name().equals("invoices")) {
				this.invoices.add(event.after().to(Invoice.class));
			}
		}

	}

	record Order(long id, String status, BigDecimal total, String note) {
	}

	record Customer(long id, String email) {
	}

	record Invoice(long id, BigDecimal amount) {
	}

}
