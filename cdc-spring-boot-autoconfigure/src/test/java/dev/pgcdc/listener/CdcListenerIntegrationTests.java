package dev.pgcdc.listener;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TransactionEvent;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code @CdcListener} methods in a real application context against a real PostgreSQL: what each one
 * receives, in which order, and what happens when one fails.
 */
class CdcListenerIntegrationTests {

	private static TestDatabase database;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, CdcAutoConfiguration.class));

	@BeforeAll
	static void createDatabase() {
		database = EmbeddedPostgresSupport.createDatabase("listeners");
		database.execute(
				"CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL, total numeric(12,2), customer_id bigint)",
				"CREATE TABLE customers (id bigint PRIMARY KEY, email text)",
				"CREATE TABLE counters (id int PRIMARY KEY, version int NOT NULL)");
	}

	private ApplicationContextRunner withSlot(String slot, String... tables) {
		return this.runner.withPropertyValues(database.cdcProperties(slot))
			.withPropertyValues("cdc.publication.tables=" + String.join(",", tables), "cdc.status-interval=500ms",
					"cdc.listener.retry.initial-interval=10ms", "cdc.listener.dead-letter-table=dl_" + slot);
	}

	private static void awaitStreaming(org.springframework.context.ApplicationContext context) {
		await().atMost(Duration.ofSeconds(20))
			.until(() -> context.getBean(ReplicationEngine.class).state() == EngineState.STREAMING);
	}

	@Test
	void filtersByTableOperationAndCondition() {
		withSlot("filters", "orders", "customers").withUserConfiguration(FilteringListeners.class).run((context) -> {
			awaitStreaming(context);
			database.execute("INSERT INTO customers VALUES (1, 'a@example.com')",
					"INSERT INTO orders VALUES (10, 'NEW', 5.00, 1)", "UPDATE orders SET status = 'PAID' WHERE id = 10",
					"INSERT INTO orders VALUES (11, 'PAID', 7.00, 1)", "DELETE FROM orders WHERE id = 10",
					"DELETE FROM orders WHERE id = 11", "DELETE FROM customers");
			FilteringListeners listeners = context.getBean(FilteringListeners.class);
			// each listener runs on its own thread: wait for all of them
			await().atMost(Duration.ofSeconds(20)).until(() -> listeners.everything.size() == 7
					&& listeners.orders.size() == 5 && listeners.customerInserts.size() == 1
					&& listeners.paid.size() == 2 && listeners.deletes.size() == 3 && listeners.mapped.size() == 5);
			assertThat(listeners.orders).extracting(ChangeEvent::operation)
				.containsExactly(Operation.INSERT, Operation.UPDATE, Operation.INSERT, Operation.DELETE, Operation.DELETE);
			assertThat(listeners.customerInserts).extracting(Customer::email).containsExactly("a@example.com");
			assertThat(listeners.paid).extracting((event) -> event.after().get("id")).containsExactly(10L, 11L);
			assertThat(listeners.deletes).extracting((event) -> event.before().get("id")).containsExactly(10L, 11L, 1L);
			assertThat(listeners.everything).extracting(ChangeEvent::commitLsn).isSorted();
			assertThat(listeners.mapped).containsExactly(Map.entry(new Order(10L, "NEW", new BigDecimal("5.00"), 1L),
					Operation.INSERT), Map.entry(new Order(10L, "PAID", new BigDecimal("5.00"), 1L), Operation.UPDATE),
					Map.entry(new Order(11L, "PAID", new BigDecimal("7.00"), 1L), Operation.INSERT),
					Map.entry(new Order(10L, null, null, null), Operation.DELETE),
					Map.entry(new Order(11L, null, null, null), Operation.DELETE));
		});
	}

	@Test
	void deliversWholeTransactionsWithTheirBoundaries() throws Exception {
		withSlot("transactions", "orders", "customers").withUserConfiguration(TransactionListeners.class)
			.run((context) -> {
				awaitStreaming(context);
				try (Connection connection = database.connect()) {
					connection.setAutoCommit(false);
					connection.createStatement().execute("INSERT INTO customers VALUES (2, 'b@example.com')");
					connection.createStatement().execute("INSERT INTO orders VALUES (20, 'NEW', 1, 2), (21, 'NEW', 2, 2)");
					connection.commit();
					connection.createStatement().execute("UPDATE orders SET status = 'PAID' WHERE id IN (20, 21)");
					connection.commit();
				}
				TransactionListeners listeners = context.getBean(TransactionListeners.class);
				await().atMost(Duration.ofSeconds(20)).until(() -> listeners.lists.size() == 2);
				assertThat(listeners.transactions.get(0).changes()).hasSize(3);
				assertThat(listeners.transactions.get(1).changes()).hasSize(2);
				assertThat(listeners.lists.get(0)).as("filtered to orders").hasSize(2)
					.allSatisfy((event) -> assertThat(event.table().name()).isEqualTo("orders"));
				assertThat(listeners.lists.get(1)).extracting(ChangeEvent::operation)
					.containsOnly(Operation.UPDATE);
				assertThat(listeners.transactions.get(0).xid()).isNotEqualTo(listeners.transactions.get(1).xid());
				database.execute("DELETE FROM orders", "DELETE FROM customers");
			});
	}

	@Test
	void keyedConcurrencyKeepsEachRowsOrder() throws Exception {
		database.execute("INSERT INTO counters SELECT g, 0 FROM generate_series(1, 1000) g");
		withSlot("keyed", "counters").withUserConfiguration(KeyedListener.class).run((context) -> {
			awaitStreaming(context);
			try (Connection connection = database.connect()) {
				connection.setAutoCommit(false);
				for (int round = 0; round < 100; round++) {
					connection.createStatement().execute("UPDATE counters SET version = version + 1");
					connection.commit();
				}
			}
			KeyedListener listener = context.getBean(KeyedListener.class);
			await().atMost(Duration.ofSeconds(120)).until(() -> listener.total() == 100_000);
			for (int key = 1; key <= 1000; key++) {
				List<Integer> versions = listener.versions.get(key);
				assertThat(versions).as("versions of key %d", key).hasSize(100);
				for (int v = 0; v < 100; v++) {
					assertThat(versions.get(v)).as("key %d in order", key).isEqualTo(v + 1);
				}
			}
			assertThat(listener.threads).as("work was spread over the workers").hasSize(4);
			assertThat(confirmedFlush("keyed")).isGreaterThan(Lsn.ZERO);
		});
	}

	@Test
	void failingListenerIsRetriedThenDeadLetteredWithoutHarmingOthers() {
		withSlot("deadletter", "orders").withUserConfiguration(FailingListeners.class).run((context) -> {
			awaitStreaming(context);
			database.execute("INSERT INTO orders VALUES (30, 'NEW', 1, null)", "INSERT INTO orders VALUES (31, 'POISON', 1, null)",
					"INSERT INTO orders VALUES (32, 'NEW', 1, null)");
			FailingListeners listeners = context.getBean(FailingListeners.class);
			await().atMost(Duration.ofSeconds(20)).until(() -> listeners.healthy.size() == 3);
			await().atMost(Duration.ofSeconds(20)).until(() -> listeners.fragileSucceeded.size() == 2);
			assertThat(listeners.healthy).containsExactly(30L, 31L, 32L);
			assertThat(listeners.fragileSucceeded).containsExactly(30L, 32L);
			assertThat(listeners.poisonAttempts).hasValue(3);
			DeadLetters deadLetters = context.getBean(DeadLetters.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> deadLetters.pending(10).size() == 1);
			DeadLetter letter = deadLetters.pending(10).get(0);
			assertThat(letter.listenerId()).isEqualTo("fragile");
			assertThat(letter.attempts()).isEqualTo(3);
			assertThat(letter.exception()).contains("poisoned order 31");
			assertThat(letter.changes()).singleElement()
				.satisfies((event) -> assertThat(event.after().get("id")).isEqualTo(31L));

			listeners.cured.set(true);
			deadLetters.replay(letter.id());
			assertThat(listeners.fragileSucceeded).containsExactly(30L, 32L, 31L);
			assertThat(deadLetters.pending(10)).isEmpty();
			assertThat(deadLetters.find(letter.id()).replayedAt()).isNotNull();
			database.execute("DELETE FROM orders");
		});
	}

	@Test
	void stopPolicyHoldsTheSlotBeforeTheFailingTransactionUntilTheListenerIsFixed() throws Exception {
		StoppingListener.poisoned.set(true);
		withSlot("stopping", "orders").withUserConfiguration(StoppingListener.class).run((context) -> {
			awaitStreaming(context);
			database.execute("INSERT INTO orders VALUES (40, 'NEW', 1, null)");
			StoppingListener listener = context.getBean(StoppingListener.class);
			await().atMost(Duration.ofSeconds(20)).until(() -> listener.received.contains(40L));
			Lsn beforeFailure = listener.commits.get(0);
			await().atMost(Duration.ofSeconds(20)).until(() -> confirmedFlush("stopping").compareTo(beforeFailure) > 0);
			database.execute("INSERT INTO orders VALUES (41, 'POISON', 1, null)", "INSERT INTO orders VALUES (42, 'NEW', 1, null)");
			ReplicationEngine engine = context.getBean(ReplicationEngine.class);
			await().atMost(Duration.ofSeconds(20)).until(() -> engine.state() == EngineState.FAILED);
			assertThat(engine.lastError()).contains("failure-policy=stop").contains("orders");
			Lsn held = confirmedFlush("stopping");
			assertThat(held).isGreaterThan(beforeFailure);
			assertThat(listener.received).doesNotContain(42L);
			await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
				.until(() -> confirmedFlush("stopping").equals(held));
		});
		StoppingListener.poisoned.set(false);
		withSlot("stopping", "orders").withUserConfiguration(StoppingListener.class).run((context) -> {
			StoppingListener listener = context.getBean(StoppingListener.class);
			await().atMost(Duration.ofSeconds(20)).until(() -> listener.received.containsAll(List.of(41L, 42L)));
			assertThat(listener.received).doesNotContain(40L);
		});
		database.execute("DELETE FROM orders");
	}

	@Test
	void deadLettersOfAnAllTablesPublicationNeverComeBackAsChanges() {
		withSlot("alltables", "").withUserConfiguration(AllTablesListener.class).run((context) -> {
			awaitStreaming(context);
			database.execute("INSERT INTO customers VALUES (70, 'poison')", "INSERT INTO customers VALUES (71, 'fine')");
			AllTablesListener listener = context.getBean(AllTablesListener.class);
			DeadLetters deadLetters = context.getBean(DeadLetters.class);
			await().atMost(Duration.ofSeconds(20)).until(() -> deadLetters.pending(10).size() == 1
					&& listener.tables.contains("public.customers") && listener.seen.contains(71L));
			database.execute("INSERT INTO customers VALUES (72, 'after')");
			await().atMost(Duration.ofSeconds(20)).until(() -> listener.seen.contains(72L));
			assertThat(listener.tables).containsOnly("public.customers");
			database.execute("DELETE FROM customers");
		});
	}

	@Test
	void skipPolicyMovesOnAndCounts() {
		withSlot("skipping", "customers").withPropertyValues("cdc.listener.failure-policy=skip")
			.withUserConfiguration(SkippingListener.class)
			.run((context) -> {
				awaitStreaming(context);
				database.execute("INSERT INTO customers VALUES (7, 'bad')", "INSERT INTO customers VALUES (8, 'good')");
				SkippingListener listener = context.getBean(SkippingListener.class);
				await().atMost(Duration.ofSeconds(20)).until(() -> listener.received.contains(8L));
				var container = context.getBean(dev.pgcdc.listener.support.CdcListenerRegistry.class).containers().get(0);
				assertThat(container.statistics().skippedCount()).isEqualTo(1);
				assertThat(container.statistics().failures()).isEqualTo(3);
				assertThat(context.getBean(DeadLetters.class).pending(10)).isEmpty();
				await().atMost(Duration.ofSeconds(20))
					.until(() -> confirmedFlush("skipping").compareTo(listener.commits.get(0)) > 0);
				database.execute("DELETE FROM customers");
			});
	}

	@Test
	void errorHandlerBeanReplacesThePolicy() {
		withSlot("handled", "customers").withUserConfiguration(HandledListener.class).run((context) -> {
			awaitStreaming(context);
			database.execute("INSERT INTO customers VALUES (9, 'bad')");
			HandledListener listener = context.getBean(HandledListener.class);
			await().atMost(Duration.ofSeconds(20)).until(() -> listener.failures.size() == 1);
			CdcListenerFailure failure = listener.failures.get(0);
			assertThat(failure.listenerId()).isEqualTo("handled");
			assertThat(failure.attempts()).isEqualTo(3);
			assertThat(failure.changes()).singleElement()
				.satisfies((event) -> assertThat(event.after().get("id")).isEqualTo(9L));
			assertThat(failure.exception()).hasMessage("nope");
			assertThat(context.getBean(DeadLetters.class).pending(10)).isEmpty();
			database.execute("DELETE FROM customers");
		});
	}

	@Test
	void applicationEventsAndListenersBothReceiveEveryChange() {
		withSlot("both", "customers").withUserConfiguration(BothKinds.class).run((context) -> {
			awaitStreaming(context);
			database.execute("INSERT INTO customers VALUES (5, 'x@example.com')", "DELETE FROM customers WHERE id = 5");
			BothKinds both = context.getBean(BothKinds.class);
			await().atMost(Duration.ofSeconds(20)).until(() -> both.viaListener.size() == 2 && both.viaEvents.size() == 2);
		});
	}

	static Lsn confirmedFlush(String slot) throws Exception {
		return Lsn.parse(database.confirmedFlush(slot));
	}

	record Order(Long id, String status, BigDecimal total, Long customerId) {
	}

	record Customer(Long id, String email) {
	}

	@Configuration(proxyBeanMethods = false)
	static class FilteringListeners {

		final List<ChangeEvent> orders = new CopyOnWriteArrayList<>();

		final List<Customer> customerInserts = new CopyOnWriteArrayList<>();

		final List<ChangeEvent> paid = new CopyOnWriteArrayList<>();

		final List<ChangeEvent> deletes = new CopyOnWriteArrayList<>();

		final List<ChangeEvent> everything = new CopyOnWriteArrayList<>();

		final List<Map.Entry<Order, Operation>> mapped = new CopyOnWriteArrayList<>();

		@CdcListener(tables = "orders")
		void orders(ChangeEvent event) {
			this.orders.add(event);
		}

		@CdcListener(tables = "public.customers", operations = Operation.INSERT)
		void customers(Customer customer) {
			this.customerInserts.add(customer);
		}

		@CdcListener(tables = "orders", condition = "after != null and after.get('status') == 'PAID'")
		void paid(ChangeEvent event) {
			this.paid.add(event);
		}

		@CdcListener(operations = Operation.DELETE)
		void deletes(ChangeEvent event) {
			this.deletes.add(event);
		}

		@CdcListener
		void everything(ChangeEvent event) {
			this.everything.add(event);
		}

		@CdcListener(tables = "orders")
		void mapped(Order order, ChangeEvent event) {
			this.mapped.add(Map.entry(order, event.operation()));
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class TransactionListeners {

		final List<TransactionEvent> transactions = new CopyOnWriteArrayList<>();

		final List<List<ChangeEvent>> lists = new CopyOnWriteArrayList<>();

		@CdcListener
		void whole(TransactionEvent transaction) {
			this.transactions.add(transaction);
		}

		@CdcListener(tables = "orders")
		void orders(List<ChangeEvent> changes) {
			this.lists.add(changes);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class KeyedListener {

		final Map<Integer, List<Integer>> versions = new ConcurrentHashMap<>();

		final Set<String> threads = ConcurrentHashMap.newKeySet();

		@CdcListener(tables = "counters", operations = Operation.UPDATE, concurrency = 4)
		void on(ChangeEvent event) {
			this.threads.add(Thread.currentThread().getName());
			this.versions.computeIfAbsent((Integer) event.after().get("id"), (key) -> new CopyOnWriteArrayList<>())
				.add((Integer) event.after().get("version"));
		}

		long total() {
			return this.versions.values().stream().mapToLong(List::size).sum();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class FailingListeners {

		final List<Long> healthy = new CopyOnWriteArrayList<>();

		final List<Long> fragileSucceeded = new CopyOnWriteArrayList<>();

		final java.util.concurrent.atomic.AtomicInteger poisonAttempts = new java.util.concurrent.atomic.AtomicInteger();

		final AtomicBoolean cured = new AtomicBoolean();

		@CdcListener(id = "healthy", tables = "orders", operations = Operation.INSERT)
		void healthy(Order order) {
			this.healthy.add(order.id());
		}

		@CdcListener(id = "fragile", tables = "orders", operations = Operation.INSERT)
		void fragile(Order order) {
			if ("POISON".equals(order.status()) && !this.cured.get()) {
				this.poisonAttempts.incrementAndGet();
				throw new IllegalStateException("poisoned order " + order.id());
			}
			this.fragileSucceeded.add(order.id());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class StoppingListener {

		static final AtomicBoolean poisoned = new AtomicBoolean();

		final List<Long> received = new CopyOnWriteArrayList<>();

		final List<Lsn> commits = new CopyOnWriteArrayList<>();

		@CdcListener(tables = "orders", operations = Operation.INSERT, failurePolicy = "stop", maxAttempts = 2)
		void on(ChangeEvent event) {
			if ("POISON".equals(event.after().get("status")) && poisoned.get()) {
				throw new IllegalStateException("cannot handle " + event.after().get("id"));
			}
			this.received.add((Long) event.after().get("id"));
			this.commits.add(event.commitLsn());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class AllTablesListener {

		final Set<String> tables = ConcurrentHashMap.newKeySet();

		final Set<Long> seen = ConcurrentHashMap.newKeySet();

		@CdcListener(maxAttempts = 1)
		void on(ChangeEvent event) {
			this.tables.add(event.table().toString());
			if (event.table().name().equals("customers")) {
				if ("poison".equals(event.row().get("email"))) {
					throw new IllegalStateException("poison");
				}
				this.seen.add((Long) event.row().get("id"));
			}
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class SkippingListener {

		final List<Long> received = new CopyOnWriteArrayList<>();

		final List<Lsn> commits = new CopyOnWriteArrayList<>();

		@CdcListener(tables = "customers", operations = Operation.INSERT)
		void on(Customer customer, ChangeEvent event) {
			if ("bad".equals(customer.email())) {
				throw new IllegalStateException("bad customer");
			}
			this.received.add(customer.id());
			this.commits.add(event.commitLsn());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class HandledListener {

		final List<CdcListenerFailure> failures = new CopyOnWriteArrayList<>();

		@CdcListener(id = "handled", tables = "customers", operations = Operation.INSERT)
		void on(Customer customer) {
			throw new IllegalStateException("nope");
		}

		@Bean
		CdcErrorHandler recordingErrorHandler() {
			return this.failures::add;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class BothKinds {

		final List<ChangeEvent> viaListener = new CopyOnWriteArrayList<>();

		final List<ChangeEvent> viaEvents = new CopyOnWriteArrayList<>();

		@CdcListener
		void listener(ChangeEvent event) {
			this.viaListener.add(event);
		}

		@EventListener
		void event(ChangeEvent event) {
			this.viaEvents.add(event);
		}

	}

}
