package dev.pgcdc.outbox;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import dev.pgcdc.event.TableId;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Deletes outbox rows (table mode) and inbox records older than the retention, in small batches, on a
 * schedule.
 *
 * <p>Pruning never affects delivery: the slot reads events from the WAL, not from the table, so a row can
 * be deleted whether or not it was delivered. Each batch commits on its own so that pruning holds no long
 * locks and leaves no long transaction that would hold back the slot.
 *
 * @author pgcdc
 */
public final class OutboxPruner implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(OutboxPruner.class);

	private final AutoCommitJdbc jdbc;

	private final TableId outboxTable;

	private final TableId inboxTable;

	private final OutboxSchema schema;

	private final Duration retention;

	private final Duration interval;

	private final int batchSize;

	private volatile ScheduledExecutorService scheduler;

	/**
	 * Create a pruner.
	 * @param dataSource the captured database
	 * @param schema tells whether the inbox table exists
	 * @param outboxTable the outbox table, {@code null} in message mode (only the inbox is pruned)
	 * @param inboxTable the inbox table
	 * @param retention how long rows are kept
	 * @param interval how often to prune
	 * @param batchSize rows deleted per statement
	 */
	public OutboxPruner(DataSource dataSource, OutboxSchema schema, TableId outboxTable, TableId inboxTable,
			Duration retention, Duration interval, int batchSize) {
		this.jdbc = new AutoCommitJdbc(dataSource);
		this.schema = schema;
		this.outboxTable = outboxTable;
		this.inboxTable = inboxTable;
		this.retention = retention;
		this.interval = interval;
		this.batchSize = batchSize;
	}

	/**
	 * Delete every outbox row and inbox record older than the retention, now.
	 * @return the number of outbox rows deleted
	 */
	public long prune() {
		if (this.retention.isZero()) {
			return 0;
		}
		long outbox = (this.outboxTable != null) ? prune(this.outboxTable, "created_at", "id") : 0;
		if (this.schema.inboxExists()) {
			prune(this.inboxTable, "processed_at", "ctid");
		}
		return outbox;
	}

	private long prune(TableId table, String timeColumn, String rowColumn) {
		String name = table.toSql();
		String sql = "DELETE FROM " + name + " WHERE " + rowColumn + " IN (SELECT " + rowColumn + " FROM " + name
				+ " WHERE " + timeColumn + " < now() - make_interval(secs => ?) LIMIT ?)";
		double seconds = this.retention.toMillis() / 1000.0;
		long total = 0;
		int deleted;
		do {
			deleted = this.jdbc.run((JdbcTemplate jdbc) -> jdbc.update(sql, seconds, this.batchSize));
			total += deleted;
		}
		while (deleted == this.batchSize);
		return total;
	}

	@Override
	public void start() {
		if (this.retention.isZero() || this.scheduler != null) {
			return;
		}
		ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "pgcdc-outbox-pruner");
			thread.setDaemon(true);
			return thread;
		});
		long period = this.interval.toMillis();
		// soon after start, so that applications restarted more often than the interval still prune; the
		// jitter keeps instances started together apart
		long first = Math.min(period, 60_000) + java.util.concurrent.ThreadLocalRandom.current().nextLong(10_000);
		executor.scheduleWithFixedDelay(this::pruneQuietly, first, period, TimeUnit.MILLISECONDS);
		this.scheduler = executor;
	}

	private void pruneQuietly() {
		try {
			long deleted = prune();
			if (deleted > 0 && logger.isDebugEnabled()) {
				logger.debug("Pruned " + deleted + " outbox rows older than " + this.retention);
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Could not prune the outbox (retried in " + this.interval + "): " + ex.getMessage());
		}
	}

	@Override
	public void stop() {
		ScheduledExecutorService executor = this.scheduler;
		this.scheduler = null;
		if (executor != null) {
			executor.shutdownNow();
		}
	}

	@Override
	public boolean isRunning() {
		return this.scheduler != null;
	}

	/**
	 * Return the retention.
	 * @return how long rows are kept, zero for forever
	 */
	public Duration retention() {
		return this.retention;
	}

}
