package dev.pgcdc.outbox;

import java.util.UUID;

import javax.sql.DataSource;

import dev.pgcdc.event.TableId;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;

/**
 * The {@link Inbox} backed by a table of processed ids with a primary key on (consumer, event id).
 *
 * <p>A second delivery of the same event, even one running at the same time on another instance, waits on
 * the primary key and then finds the id taken.
 *
 * @author pgcdc
 */
public final class JdbcInbox implements Inbox {

	private final DataSource dataSource;

	private final JdbcTemplate jdbc;

	private final String insert;

	/**
	 * Create an inbox.
	 * @param dataSource the captured database
	 * @param table the inbox table
	 */
	public JdbcInbox(DataSource dataSource, TableId table) {
		this.dataSource = dataSource;
		this.jdbc = new JdbcTemplate(dataSource);
		this.insert = "INSERT INTO " + table.toSql()
				+ " (consumer, event_id) VALUES (?, ?) ON CONFLICT DO NOTHING";
	}

	@Override
	public boolean markProcessed(String consumer, UUID eventId) {
		Assert.isTrue(StringUtils.hasText(consumer), "consumer must not be empty");
		Assert.notNull(eventId, "eventId must not be null");
		TransactionRequirement.check(this.dataSource, "Inbox.markProcessed");
		return this.jdbc.update(this.insert, consumer, eventId) == 1;
	}

}
