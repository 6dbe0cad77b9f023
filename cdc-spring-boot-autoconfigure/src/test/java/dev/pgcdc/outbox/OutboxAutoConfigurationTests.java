package dev.pgcdc.outbox;

import java.util.UUID;

import javax.sql.DataSource;

import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.listener.OutboxListener;
import dev.pgcdc.listener.support.OutboxListenerEndpointFactory;
import dev.pgcdc.replication.ReplicationSettings;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Every condition of the outbox auto-configuration, the start-up checks, and the {@link Inbox}.
 */
class OutboxAutoConfigurationTests {

	private static TestDatabase database;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
				DataSourceTransactionManagerAutoConfiguration.class, TransactionAutoConfiguration.class,
				JacksonAutoConfiguration.class, CdcAutoConfiguration.class));

	@BeforeAll
	static void createDatabase() {
		database = EmbeddedPostgresSupport.createDatabase("outbox_config");
		database.execute("CREATE TABLE orders (id bigint PRIMARY KEY)");
	}

	private ApplicationContextRunner withSlot(String slot) {
		return this.runner.withPropertyValues(database.cdcProperties(slot))
			.withPropertyValues("cdc.publication.tables=orders", "cdc.outbox.table=" + slot + "_outbox",
					"cdc.outbox.inbox-table=" + slot + "_inbox");
	}

	@Test
	void outboxIsThereByDefaultAndItsTableJoinsAManagedPublication() {
		withSlot("ob_defaults").run((context) -> {
			assertThat(context).hasSingleBean(JdbcOutbox.class)
				.hasSingleBean(JdbcInbox.class)
				.hasSingleBean(OutboxPruner.class)
				.hasSingleBean(OutboxListenerEndpointFactory.class);
			ReplicationSettings settings = context.getBean(ReplicationSettings.class);
			assertThat(settings.tables()).containsExactly("orders", "public.ob_defaults_outbox");
			assertThat(settings.isOptIn(dev.pgcdc.event.TableId.parse("ob_defaults_outbox"))).isTrue();
			assertThat(settings.internalTables()).contains("ob_defaults_inbox");
		});
	}

	@Test
	void anUnmanagedPublicationIsLeftAsConfigured() {
		database.execute("CREATE PUBLICATION ob_unmanaged FOR TABLE orders");
		withSlot("ob_unmanaged").withPropertyValues("cdc.publication.create=false").run((context) -> {
			assertThat(context.getBean(ReplicationSettings.class).tables()).containsExactly("orders");
		});
	}

	@Test
	void backsOffWithoutJackson() {
		withSlot("ob_no_jackson").withClassLoader(new FilteredClassLoader("tools.jackson"))
			.run((context) -> assertThat(context).doesNotHaveBean(Outbox.class).doesNotHaveBean(Inbox.class));
	}

	@Test
	void backsOffWhenDisabled() {
		withSlot("ob_disabled").withPropertyValues("cdc.outbox.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(Outbox.class).doesNotHaveBean(OutboxPruner.class);
			assertThat(context.getBean(ReplicationSettings.class).tables()).containsExactly("orders");
		});
	}

	@Test
	void backsOffWithoutADataSource() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(CdcAutoConfiguration.class))
			.withPropertyValues("cdc.connection.url=" + database.jdbcUrl(), "cdc.connection.username=postgres",
					"cdc.slot.name=ob_no_datasource", "cdc.publication.name=ob_no_datasource",
					"cdc.publication.tables=orders")
			.run((context) -> assertThat(context).doesNotHaveBean(Outbox.class));
	}

	@Test
	void userBeansReplaceOurs() {
		withSlot("ob_user").withUserConfiguration(UserOutbox.class).run((context) -> {
			assertThat(context.getBean(Outbox.class)).isSameAs(context.getBean(UserOutbox.class).outbox);
			assertThat(context.getBean(Inbox.class)).isSameAs(context.getBean(UserOutbox.class).inbox);
		});
	}

	@Test
	void anOutboxListenerWithoutTheOutboxFailsNamingTheFix() {
		withSlot("ob_listener_off").withPropertyValues("cdc.outbox.enabled=false")
			.withUserConfiguration(Listener.class)
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("@OutboxListener Listener#on(OutboxEvent) needs the outbox")
				.hasMessageContaining("cdc.outbox.enabled=true"));
	}

	@Test
	void unsupportedOutboxListenerSignaturesFailNamingTheMethod() {
		withSlot("ob_bad_signature").withUserConfiguration(BadListener.class)
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("@OutboxListener method BadListener#on(OutboxEvent, String)")
				.hasMessageContaining("use (OutboxEvent), (T payload) or (T payload, OutboxEvent)"));
	}

	@Test
	void aMissingTableWithoutSchemaInitializationFailsNamingTheFix() {
		withSlot("ob_missing").withPropertyValues("cdc.outbox.initialize-schema=false")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("The outbox table public.ob_missing_outbox does not exist")
				.hasMessageContaining("cdc.outbox.initialize-schema=true"));
	}

	@Test
	void aTableWithoutTheOutboxColumnsFailsNamingThem() {
		database.execute("CREATE TABLE ob_wrong_outbox (id uuid PRIMARY KEY, payload jsonb)");
		withSlot("ob_wrong")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("lacks the columns [aggregatetype, aggregateid, type, created_at]"));
	}

	@Test
	void badPropertiesFailNamingTheKey() {
		withSlot("ob_bad_table").withPropertyValues("cdc.outbox.table=outbox; drop table orders")
			.run((context) -> assertThat(context).getFailure().rootCause().hasMessageContaining("cdc.outbox.table"));
		withSlot("ob_bad_retention").withPropertyValues("cdc.outbox.retention=-1d")
			.run((context) -> assertThat(context).getFailure().rootCause().hasMessageContaining("cdc.outbox.retention"));
	}

	@Test
	void theInboxSaysWhetherAnEventIsNewInTheHandlersTransaction() {
		withSlot("ob_inbox").run((context) -> {
			Inbox inbox = context.getBean(Inbox.class);
			TransactionTemplate transactions = context.getBean(TransactionTemplate.class);
			UUID id = UUID.randomUUID();
			assertThatIllegalStateException().isThrownBy(() -> inbox.markProcessed("mail", id))
				.withMessageContaining("Inbox.markProcessed must run inside a Spring-managed transaction");
			// a failed handler leaves the event to be processed again
			try {
				transactions.executeWithoutResult((status) -> {
					assertThat(inbox.markProcessed("mail", id)).isTrue();
					throw new IllegalStateException("mail server down");
				});
			}
			catch (IllegalStateException expected) {
				// rolled back
			}
			int[] sent = new int[1];
			assertThat((boolean) transactions.execute((status) -> inbox.runOnce("mail", id, () -> sent[0]++))).isTrue();
			assertThat((boolean) transactions.execute((status) -> inbox.runOnce("mail", id, () -> sent[0]++))).isFalse();
			assertThat((boolean) transactions.execute((status) -> inbox.runOnce("audit", id, () -> sent[0]++))).isTrue();
			assertThat(sent[0]).isEqualTo(2);
			assertThat(new JdbcTemplate(context.getBean(DataSource.class))
				.queryForObject("SELECT count(*) FROM ob_inbox_inbox", Long.class)).isEqualTo(2);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class UserOutbox {

		final Outbox outbox = (aggregateType, aggregateId, eventType, payload) -> null;

		final Inbox inbox = (consumer, eventId) -> true;

		@Bean
		Outbox userOutbox() {
			return this.outbox;
		}

		@Bean
		Inbox userInbox() {
			return this.inbox;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Listener {

		@OutboxListener
		void on(OutboxEvent event) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class BadListener {

		@OutboxListener
		void on(OutboxEvent event, String extra) {
		}

	}

}
