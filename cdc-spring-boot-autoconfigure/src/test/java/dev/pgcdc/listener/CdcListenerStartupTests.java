package dev.pgcdc.listener;

import java.util.List;

import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.TransactionEvent;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Mistakes in {@code @CdcListener} methods fail start-up with a message naming the method and the fix.
 */
class CdcListenerStartupTests {

	private static TestDatabase database;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, CdcAutoConfiguration.class));

	@BeforeAll
	static void createDatabase() {
		database = EmbeddedPostgresSupport.createDatabase("listener_startup");
		database.execute("CREATE TABLE orders (id bigint PRIMARY KEY, status text)",
				"CREATE TABLE customers (id bigint PRIMARY KEY)");
	}

	private ApplicationContextRunner withTables(String tables) {
		return this.runner.withPropertyValues(database.cdcProperties("startup"))
			.withPropertyValues("cdc.publication.tables=" + tables);
	}

	private void assertFails(Class<?> configuration, String tables, String... fragments) {
		withTables(tables).withUserConfiguration(configuration).run((context) -> {
			assertThat(context).hasFailed();
			Throwable failure = context.getStartupFailure();
			while (failure.getCause() != null && !(failure instanceof IllegalStateException)) {
				failure = failure.getCause();
			}
			assertThat(failure.getMessage()).contains(fragments);
		});
	}

	@Test
	void unsupportedSignature() {
		assertFails(BadSignature.class, "orders", "BadSignature#on(String, int)", "unsupported signature");
	}

	@Test
	void tableNotCaptured() {
		assertFails(UncapturedTable.class, "orders", "public.customers", "not captured",
				"add it to cdc.publication.tables");
	}

	@Test
	void tableThatDoesNotExist() {
		assertFails(MissingTable.class, "", "public.invoices", "does not exist");
	}

	@Test
	void badCondition() {
		assertFails(BadCondition.class, "orders", "BadCondition#on(ChangeEvent)", "row.get('status' ==");
	}

	@Test
	void duplicateIds() {
		assertFails(DuplicateIds.class, "orders", "Two listener methods have the id 'same'");
	}

	@Test
	void concurrencyOnWholeTransactions() {
		assertFails(ConcurrentTransactions.class, "orders", "ConcurrentTransactions#on(TransactionEvent)",
				"remove concurrency = 4");
	}

	@Test
	void unknownFailurePolicy() {
		assertFails(BadPolicy.class, "orders", "BadPolicy#on(ChangeEvent)", "use dead-letter, stop or skip");
	}

	@Configuration(proxyBeanMethods = false)
	static class BadSignature {

		@CdcListener
		void on(String text, int number) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UncapturedTable {

		@CdcListener(tables = "customers")
		void on(ChangeEvent event) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class MissingTable {

		@CdcListener(tables = "invoices")
		void on(ChangeEvent event) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class BadCondition {

		@CdcListener(condition = "row.get('status' ==")
		void on(ChangeEvent event) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class DuplicateIds {

		@CdcListener(id = "same")
		void one(ChangeEvent event) {
		}

		@CdcListener(id = "same")
		void two(List<ChangeEvent> events) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ConcurrentTransactions {

		@CdcListener(concurrency = 4)
		void on(TransactionEvent transaction) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class BadPolicy {

		@CdcListener(failurePolicy = "retry-forever")
		void on(ChangeEvent event) {
		}

	}

}
