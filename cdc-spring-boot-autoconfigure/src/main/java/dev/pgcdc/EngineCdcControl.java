package dev.pgcdc;

import java.time.Duration;
import java.util.Objects;

import javax.sql.DataSource;

import dev.pgcdc.outbox.TransactionRequirement;
import dev.pgcdc.replication.ReplicationEngine;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The {@link CdcControl} of a {@link ReplicationEngine}: waits on the engine, and marks transactions on
 * the captured DataSource with the message the engine's reader recognises.
 *
 * @author pgcdc
 */
public final class EngineCdcControl implements CdcControl {

	private static final String OPERATION = "CdcControl.skipCurrentTransaction()";

	private final ReplicationEngine engine;

	private final DataSource dataSource;

	private final JdbcTemplate jdbc;

	/** Bound to a transaction once it is marked, so that a second call in it does nothing. */
	private final Object markedKey = new Object();

	/**
	 * Create a control.
	 * @param engine the engine
	 * @param dataSource the application's DataSource on the captured database, whose transactions
	 * {@link #skipCurrentTransaction()} marks; {@code null} if there is none
	 */
	public EngineCdcControl(ReplicationEngine engine, DataSource dataSource) {
		this.engine = Objects.requireNonNull(engine, "engine must not be null");
		this.dataSource = dataSource;
		this.jdbc = (dataSource != null) ? new JdbcTemplate(dataSource) : null;
	}

	@Override
	public boolean awaitCaughtUp(Duration timeout) {
		return this.engine.awaitCaughtUp(timeout);
	}

	@Override
	public void skipCurrentTransaction() {
		if (this.dataSource == null) {
			throw new IllegalStateException(OPERATION + " needs the application's DataSource on the captured "
					+ "database, and there is no single DataSource bean; define one (spring.datasource.*)");
		}
		TransactionRequirement.check(this.dataSource, OPERATION,
				"Without one, there is no transaction to mark and its changes would be delivered.");
		if (TransactionSynchronizationManager.hasResource(this.markedKey)) {
			return;
		}
		// pgoutput sends a transaction in WAL order: rows written before the marker have been sent already
		Long xid = this.jdbc.queryForObject("SELECT txid_current_if_assigned()", Long.class);
		if (xid != null) {
			throw new IllegalStateException("Transaction " + xid + " has already written, and those changes will be "
					+ "delivered: call " + OPERATION + " before the transaction's first write (first thing in the "
					+ "@Transactional method)");
		}
		this.jdbc.queryForObject("SELECT pg_logical_emit_message(true, ?, '')::text", String.class,
				ReplicationEngine.SKIP_PREFIX);
		TransactionSynchronizationManager.bindResource(this.markedKey, Boolean.TRUE);
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {

			@Override
			public void afterCompletion(int status) {
				TransactionSynchronizationManager.unbindResourceIfPossible(EngineCdcControl.this.markedKey);
			}

		});
	}

}
