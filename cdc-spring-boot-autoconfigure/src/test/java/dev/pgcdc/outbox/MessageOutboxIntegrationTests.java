package dev.pgcdc.outbox;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbox in {@link OutboxMode#MESSAGE message} mode: the same guarantees with nothing stored.
 */
class MessageOutboxIntegrationTests extends AbstractOutboxIntegrationTests {

	MessageOutboxIntegrationTests() {
		super(OutboxMode.MESSAGE);
	}

	@Test
	void nothingIsStoredAndNothingIsPruned() {
		withSlot("nothing_stored").run((context) -> {
			assertThat(context).hasSingleBean(Outbox.class);
			assertThat(context.getBean(OutboxPruner.class).prune()).isZero();
			JdbcTemplate jdbc = new JdbcTemplate(context.getBean(DataSource.class));
			assertThat(jdbc.queryForObject("SELECT to_regclass('outbox_message_nothing_stored_outbox') IS NULL",
					Boolean.class)).isTrue();
		});
	}

}
