package dev.pgcdc.autoconfigure;

import java.time.Duration;

import dev.pgcdc.outbox.OutboxMode;

/**
 * The transactional outbox: how {@code Outbox.publish} stores events and how long they are kept.
 *
 * @author pgcdc
 */
public class CdcOutboxProperties {

	/**
	 * Whether to offer the outbox (Outbox, Inbox, @OutboxListener); it also needs Jackson and the
	 * application's DataSource.
	 */
	private boolean enabled = true;

	/**
	 * The table of the Inbox helper (ids of processed events per consumer), optionally schema-qualified;
	 * created on start when initialize-schema is on; its changes are never delivered.
	 */
	private String inboxTable = "cdc_inbox";

	/**
	 * Where published events go: table (a row in the outbox table, pruned after the retention) or message
	 * (a transactional logical decoding message; nothing stored, nothing to prune).
	 */
	private OutboxMode mode = OutboxMode.TABLE;

	/**
	 * The outbox table, optionally schema-qualified; its changes reach @CdcListener methods only when
	 * they name it.
	 */
	private String table = "cdc_outbox";

	/**
	 * How long outbox rows are kept before the pruning job deletes them; 0 keeps them forever.
	 */
	private Duration retention = Duration.ofDays(7);

	/**
	 * Whether to create the outbox table on start when it is missing.
	 */
	private boolean initializeSchema = true;

	/**
	 * How often the pruning job deletes rows older than the retention.
	 */
	private Duration pruneInterval = Duration.ofHours(1);

	/**
	 * Rows deleted per statement by the pruning job, so that pruning never holds long locks.
	 */
	private int pruneBatchSize = 10_000;

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getInboxTable() {
		return this.inboxTable;
	}

	public void setInboxTable(String inboxTable) {
		this.inboxTable = inboxTable;
	}

	public OutboxMode getMode() {
		return this.mode;
	}

	public void setMode(OutboxMode mode) {
		this.mode = mode;
	}

	public String getTable() {
		return this.table;
	}

	public void setTable(String table) {
		this.table = table;
	}

	public Duration getRetention() {
		return this.retention;
	}

	public void setRetention(Duration retention) {
		this.retention = retention;
	}

	public boolean isInitializeSchema() {
		return this.initializeSchema;
	}

	public void setInitializeSchema(boolean initializeSchema) {
		this.initializeSchema = initializeSchema;
	}

	public Duration getPruneInterval() {
		return this.pruneInterval;
	}

	public void setPruneInterval(Duration pruneInterval) {
		this.pruneInterval = pruneInterval;
	}

	public int getPruneBatchSize() {
		return this.pruneBatchSize;
	}

	public void setPruneBatchSize(int pruneBatchSize) {
		this.pruneBatchSize = pruneBatchSize;
	}

}
