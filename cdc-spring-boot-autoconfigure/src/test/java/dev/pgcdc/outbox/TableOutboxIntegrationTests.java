package dev.pgcdc.outbox;

import java.time.Duration;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbox in {@link OutboxMode#TABLE table} mode, plus what only that mode has: the table and its pruning.
 */
class TableOutboxIntegrationTests extends AbstractOutboxIntegrationTests {

	TableOutboxIntegrationTests() {
		super(OutboxMode.TABLE);
	}

	@Test
	void pruningRemovesOnlyRowsOlderThanTheRetention() {
		withSlot("prune").withPropertyValues("cdc.outbox.retention=1d", "cdc.outbox.prune-batch-size=7")
			.run((context) -> {
				JdbcTemplate jdbc = new JdbcTemplate(context.getBean(DataSource.class));
				String table = "outbox_table_prune_outbox";
				for (int i = 0; i < 50; i++) {
					jdbc.update("INSERT INTO " + table + " VALUES (?, 'order', ?, 'old', '{}', now() - interval '25 hours')",
							UUID.randomUUID(), Integer.toString(i));
				}
				for (int i = 0; i < 30; i++) {
					jdbc.update("INSERT INTO " + table + " VALUES (?, 'order', ?, 'recent', '{}', now() - interval '23 hours')",
							UUID.randomUUID(), Integer.toString(i));
				}
				OutboxPruner pruner = context.getBean(OutboxPruner.class);
				assertThat(pruner.retention()).isEqualTo(Duration.ofDays(1));
				assertThat(pruner.prune()).isEqualTo(50);
				assertThat(jdbc.queryForList("SELECT DISTINCT type FROM " + table, String.class))
					.containsExactly("recent");
				assertThat(jdbc.queryForObject("SELECT count(*) FROM " + table, Long.class)).isEqualTo(30);
			});
	}

	@Test
	void theTableHasTheDebeziumColumns() {
		withSlot("columns").run((context) -> {
			JdbcTemplate jdbc = new JdbcTemplate(context.getBean(DataSource.class));
			assertThat(jdbc.queryForList("SELECT column_name || ' ' || data_type FROM information_schema.columns "
					+ "WHERE table_name = 'outbox_table_columns_outbox' ORDER BY ordinal_position", String.class))
				.containsExactly("id uuid", "aggregatetype text", "aggregateid text", "type text", "payload jsonb",
						"created_at timestamp with time zone");
		});
	}

}
