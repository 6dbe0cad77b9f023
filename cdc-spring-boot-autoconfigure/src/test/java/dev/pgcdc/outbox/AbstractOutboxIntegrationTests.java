package dev.pgcdc.outbox;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.TableId;
import dev.pgcdc.listener.CdcListener;
import dev.pgcdc.listener.DeadLetter;
import dev.pgcdc.listener.DeadLetters;
import dev.pgcdc.listener.OutboxListener;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * The outbox end to end, in a real application context on a real PostgreSQL: what {@code Outbox.publish}
 * promises (a commit means the event, a rollback means none) and what {@code @OutboxListener} methods get.
 * Run once per {@link OutboxMode}.
 */
abstract class AbstractOutboxIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	private final OutboxMode mode;

	private final TestDatabase database;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
				DataSourceTransactionManagerAutoConfiguration.class, TransactionAutoConfiguration.class,
				JacksonAutoConfiguration.class, CdcAutoConfiguration.class));

	AbstractOutboxIntegrationTests(OutboxMode mode) {
		this.mode = mode;
		this.database = databases.computeIfAbsent(mode, (key) -> {
			TestDatabase created = EmbeddedPostgresSupport.createDatabase("outbox_" + key.name().toLowerCase());
			created.execute("CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL)");
			return created;
		});
	}

	private static final Map<OutboxMode, TestDatabase> databases = new java.util.concurrent.ConcurrentHashMap<>();

	private String slot(String name) {
		return "outbox_" + this.mode.name().toLowerCase() + "_" + name;
	}

	ApplicationContextRunner withSlot(String name) {
		String slot = slot(name);
		return this.runner.withPropertyValues(this.database.cdcProperties(slot))
			.withPropertyValues("cdc.publication.tables=orders", "cdc.status-interval=500ms",
					"cdc.listener.retry.initial-interval=10ms", "cdc.outbox.mode=" + this.mode.name().toLowerCase(),
					"cdc.outbox.table=" + slot + "_outbox", "cdc.outbox.inbox-table=" + slot + "_inbox",
					"cdc.listener.dead-letter-table=" + slot + "_dead_letter");
	}

	static void awaitStreaming(ApplicationContext context) {
		await().atMost(WAIT).until(() -> context.getBean(ReplicationEngine.class).state() == EngineState.STREAMING);
	}

	static <T> T inTransaction(ApplicationContext context, java.util.function.Supplier<T> work) {
		return context.getBean(TransactionTemplate.class).execute((status) -> work.get());
	}

	@Test
	void committedPublishesArriveOnceInCommitOrder() {
		withSlot("order").withUserConfiguration(Recorder.class).run((context) -> {
			awaitStreaming(context);
			Outbox outbox = context.getBean(Outbox.class);
			List<UUID> published = new ArrayList<>();
			long orderId = 0;
			// 10,000 events: 1,000 transactions of 9 events beside a business row, then 1,000 of one event
			for (int tx = 0; tx < 1_000; tx++) {
				long id = ++orderId;
				published.addAll(inTransaction(context, () -> {
					new org.springframework.jdbc.core.JdbcTemplate(context.getBean(javax.sql.DataSource.class))
						.update("INSERT INTO orders VALUES (?, 'NEW')", id);
					List<UUID> ids = new ArrayList<>();
					for (int i = 0; i < 9; i++) {
						ids.add(outbox.publish("order", Long.toString(id), "order.line", new Line(id, i)).id());
					}
					return ids;
				}));
			}
			for (int tx = 0; tx < 1_000; tx++) {
				long id = tx;
				published.add(inTransaction(context,
						() -> outbox.publish("order", Long.toString(id), "order.placed", new Line(id, -1)).id()));
			}
			assertThat(published).hasSize(10_000);
			Recorder recorder = context.getBean(Recorder.class);
			await().atMost(WAIT).until(() -> recorder.events.size() >= 10_000);
			assertThat(recorder.events).extracting(OutboxEvent::id).containsExactlyElementsOf(published);
			assertThat(recorder.events).allSatisfy((event) -> assertThat(event.lsn()).isNotNull());
			assertThat(recorder.applicationEvents).extracting(OutboxEvent::id).containsExactlyElementsOf(published);
			// the outbox never reaches a @CdcListener that did not name it, nor a ChangeEvent listener
			assertThat(recorder.tablesSeen).containsOnly(new TableId("public", "orders"));
			assertThat(recorder.changeEventTables).containsOnly(new TableId("public", "orders"));
		});
	}

	@Test
	void rolledBackPublishesNeverArrive() {
		withSlot("rollback").withUserConfiguration(Recorder.class).run((context) -> {
			awaitStreaming(context);
			Outbox outbox = context.getBean(Outbox.class);
			List<UUID> rolledBack = new CopyOnWriteArrayList<>();
			for (int i = 0; i < 100; i++) {
				int n = i;
				try {
					inTransaction(context, () -> {
						rolledBack.add(outbox.publish("order", "r" + n, "order.placed", Map.of("n", n)).id());
						throw new IllegalStateException("business rule failed");
					});
				}
				catch (IllegalStateException expected) {
					// rolled back
				}
			}
			UUID committed = inTransaction(context, () -> outbox.publish("order", "c", "order.placed", "{}").id());
			Recorder recorder = context.getBean(Recorder.class);
			await().atMost(WAIT).until(() -> recorder.ids().contains(committed));
			assertThat(rolledBack).hasSize(100);
			assertThat(recorder.ids()).containsExactly(committed);
		});
	}

	@Test
	void publishOutsideATransactionFailsNamingTheFix() {
		withSlot("no_tx").run((context) -> {
			Outbox outbox = context.getBean(Outbox.class);
			assertThatIllegalStateException().isThrownBy(() -> outbox.publish("order", "1", "order.placed", "{}"))
				.withMessageContaining("Outbox.publish must run inside a Spring-managed transaction")
				.withMessageContaining("@Transactional");
			TransactionTemplate readOnly = new TransactionTemplate(
					context.getBean(org.springframework.transaction.PlatformTransactionManager.class));
			readOnly.setReadOnly(true);
			assertThatIllegalStateException()
				.isThrownBy(() -> readOnly.executeWithoutResult((status) -> outbox.publish("order", "1", "x", "{}")))
				.withMessageContaining("read-only transaction");
			assertThatIllegalArgumentException()
				.isThrownBy(() -> inTransaction(context, () -> outbox.publish("order", "1", "x", "not json")))
				.withMessageContaining("must be JSON text");
		});
	}

	@Test
	void payloadsMapOntoTypesAndListenersFilterByTypes() {
		withSlot("typed").withUserConfiguration(TypedListeners.class).run((context) -> {
			awaitStreaming(context);
			Outbox outbox = context.getBean(Outbox.class);
			OrderPlaced placed = new OrderPlaced(42, new BigDecimal("1234567890.12"), "Zoë ☃",
					List.of(new Item("sku-1", 2), new Item("sku-2", 1)));
			OutboxEvent sent = inTransaction(context, () -> {
				outbox.publish("customer", "7", "customer.registered", Map.of("email", "a@example.com"));
				return outbox.publish("order", "42", "order.placed", placed);
			});
			TypedListeners listeners = context.getBean(TypedListeners.class);
			// each listener runs on its own thread: wait for all of them, not just two
			await().atMost(WAIT).until(() -> listeners.withEvent.size() == 1 && listeners.customers.size() == 1
					&& listeners.payloads.size() == 1 && listeners.items.size() == 1 && listeners.raw.size() == 1);
			assertThat(listeners.payloads).containsExactly(placed);
			assertThat(listeners.withEvent).containsExactly(Map.entry(placed, sent.id()));
			assertThat(listeners.items).containsExactly(placed.items());
			assertThat(listeners.customers).containsExactly(Map.of("email", "a@example.com"));
			OutboxEvent received = listeners.raw.get(0);
			assertThat(received.aggregateType()).isEqualTo("order");
			assertThat(received.aggregateId()).isEqualTo("42");
			assertThat(received.eventType()).isEqualTo("order.placed");
			assertThat(received.createdAt()).isEqualTo(sent.createdAt());
			assertThat(received.payloadAs(OrderPlaced.class)).isEqualTo(placed);
		});
	}

	@Test
	void aFailingListenerIsRetriedAndDeadLetteredWithoutBlockingTheOthers() {
		withSlot("failing").withUserConfiguration(FailingListeners.class).run((context) -> {
			awaitStreaming(context);
			Outbox outbox = context.getBean(Outbox.class);
			List<UUID> ids = new ArrayList<>();
			for (int i = 0; i < 10; i++) {
				int n = i;
				ids.add(inTransaction(context,
						() -> outbox.publish("order", "o" + n, (n == 3) ? "order.poison" : "order.placed", "{}").id()));
			}
			FailingListeners listeners = context.getBean(FailingListeners.class);
			await().atMost(WAIT).until(() -> listeners.healthy.size() == 10 && listeners.picky.size() == 9);
			assertThat(listeners.healthy).containsExactlyElementsOf(ids);
			assertThat(listeners.attempts.stream().filter(ids.get(3)::equals)).hasSize(3);
			DeadLetters deadLetters = context.getBean(DeadLetters.class);
			await().atMost(WAIT).until(() -> deadLetters.pending(10).size() == 1);
			DeadLetter letter = deadLetters.pending(10).get(0);
			assertThat(letter.listenerId()).isEqualTo("picky");
			assertThat(letter.exception()).contains("poison");
			// the stored letter replays to the fixed listener
			listeners.fixed = true;
			deadLetters.replay(letter.id());
			assertThat(listeners.picky).contains(ids.get(3));
		});
	}

	@Test
	void messagesOfEitherModeArriveAndAnUnreadableOneIsDeadLetteredWithoutStoppingTheStream() {
		withSlot("foreign").withUserConfiguration(Recorder.class).run((context) -> {
			awaitStreaming(context);
			OutboxCodec codec = context.getBean(OutboxCodec.class);
			UUID foreign = UUID.randomUUID();
			String content = codec.messageContent(foreign, "order", "9", "order.placed", Map.of("n", 9),
					java.time.Instant.now());
			JdbcTemplate jdbc = new JdbcTemplate(context.getBean(javax.sql.DataSource.class));
			// written as message mode writes, whatever this instance's mode (a rolling deploy), then garbage
			jdbc.queryForObject("SELECT pg_logical_emit_message(true, 'pgcdc-outbox', ?)", String.class, content);
			jdbc.queryForObject("SELECT pg_logical_emit_message(true, 'pgcdc-outbox', 'not an event')", String.class);
			UUID after = inTransaction(context,
					() -> context.getBean(Outbox.class).publish("order", "10", "order.placed", "{}").id());
			Recorder recorder = context.getBean(Recorder.class);
			await().atMost(WAIT).until(() -> recorder.ids().contains(after));
			assertThat(recorder.ids()).containsExactly(foreign, after);
			assertThat(recorder.applicationEvents).extracting(OutboxEvent::id).containsExactly(foreign, after);
			DeadLetters deadLetters = context.getBean(DeadLetters.class);
			await().atMost(WAIT).until(() -> deadLetters.pending(10).size() == 1);
			assertThat(deadLetters.pending(10).get(0).exception()).contains("is not an outbox event");
			assertThat(context.getBean(ReplicationEngine.class).state()).isEqualTo(EngineState.STREAMING);
		});
	}

	@Test
	void eventsCommittedBeforeACrashAreDeliveredAfterTheRestart() {
		List<UUID> published = new ArrayList<>();
		withSlot("crash").withUserConfiguration(StuckListener.class).run((context) -> {
			awaitStreaming(context);
			Outbox outbox = context.getBean(Outbox.class);
			for (int i = 0; i < 200; i++) {
				int n = i;
				published.add(inTransaction(context, () -> outbox.publish("order", "o" + n, "order.placed", "{}").id()));
			}
			StuckListener stuck = context.getBean(StuckListener.class);
			await().atMost(WAIT).until(() -> stuck.entered.getCount() == 0);
			// the context goes down while the listener is stuck in the first event: nothing is confirmed
		});
		withSlot("crash").withUserConfiguration(Recorder.class).run((context) -> {
			Recorder recorder = context.getBean(Recorder.class);
			await().atMost(WAIT).until(() -> recorder.ids().containsAll(published));
			assertThat(new HashSet<>(recorder.ids())).hasSize(200);
		});
	}

	record Line(long order, int line) {
	}

	record Item(String sku, int quantity) {
	}

	record OrderPlaced(long orderId, BigDecimal total, String customerName, List<Item> items) {
	}

	@Configuration(proxyBeanMethods = false)
	static class Recorder {

		final List<OutboxEvent> events = new CopyOnWriteArrayList<>();

		final List<OutboxEvent> applicationEvents = new CopyOnWriteArrayList<>();

		final Set<TableId> tablesSeen = java.util.concurrent.ConcurrentHashMap.newKeySet();

		final Set<TableId> changeEventTables = java.util.concurrent.ConcurrentHashMap.newKeySet();

		List<UUID> ids() {
			return this.events.stream().map(OutboxEvent::id).toList();
		}

		@OutboxListener
		void on(OutboxEvent event) {
			this.events.add(event);
		}

		@CdcListener
		void onAnyChange(ChangeEvent event) {
			this.tablesSeen.add(event.table());
		}

		@EventListener
		void onApplicationEvent(OutboxEvent event) {
			this.applicationEvents.add(event);
		}

		@EventListener
		void onApplicationEvent(ChangeEvent event) {
			this.changeEventTables.add(event.table());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class TypedListeners {

		final List<OrderPlaced> payloads = new CopyOnWriteArrayList<>();

		final List<Map.Entry<OrderPlaced, UUID>> withEvent = new CopyOnWriteArrayList<>();

		final List<List<Item>> items = new CopyOnWriteArrayList<>();

		final List<Map<String, Object>> customers = new CopyOnWriteArrayList<>();

		final List<OutboxEvent> raw = new CopyOnWriteArrayList<>();

		@OutboxListener(eventTypes = "order.placed")
		void payload(OrderPlaced placed) {
			this.payloads.add(placed);
		}

		@OutboxListener(aggregateTypes = "order")
		void payloadAndEvent(OrderPlaced placed, OutboxEvent event) {
			this.withEvent.add(Map.entry(placed, event.id()));
		}

		@OutboxListener(eventTypes = "order.placed")
		void generic(ItemsOnly order) {
			this.items.add(order.items());
		}

		@OutboxListener(aggregateTypes = "customer", eventTypes = "customer.registered")
		void customer(Map<String, Object> payload) {
			this.customers.add(payload);
		}

		@OutboxListener(aggregateTypes = "order")
		void raw(OutboxEvent event) {
			this.raw.add(event);
		}

		@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
		record ItemsOnly(List<Item> items) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class FailingListeners {

		final List<UUID> healthy = new CopyOnWriteArrayList<>();

		final List<UUID> picky = new CopyOnWriteArrayList<>();

		final List<UUID> attempts = new CopyOnWriteArrayList<>();

		volatile boolean fixed;

		@OutboxListener(id = "healthy")
		void healthy(OutboxEvent event) {
			this.healthy.add(event.id());
		}

		@OutboxListener(id = "picky")
		void picky(OutboxEvent event) {
			this.attempts.add(event.id());
			if (event.eventType().equals("order.poison") && !this.fixed) {
				throw new IllegalArgumentException("poison " + event.id());
			}
			this.picky.add(event.id());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class StuckListener {

		final CountDownLatch entered = new CountDownLatch(1);

		@OutboxListener
		void on(OutboxEvent event) throws InterruptedException {
			this.entered.countDown();
			new CountDownLatch(1).await();
		}

	}

}
