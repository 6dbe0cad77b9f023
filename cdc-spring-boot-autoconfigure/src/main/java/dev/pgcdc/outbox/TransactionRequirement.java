package dev.pgcdc.outbox;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Checks that the caller runs inside a read-write Spring-managed transaction on a given DataSource.
 *
 * <p>Both the outbox and the inbox write rows whose whole point is to commit or roll back with the
 * caller's business change; a write in a transaction of its own would break exactly that. The same holds
 * for {@code CdcControl.skipCurrentTransaction()}, whose marker belongs to the transaction it marks.
 *
 * @author pgcdc
 */
public final class TransactionRequirement {

	private TransactionRequirement() {
	}

	static void check(DataSource dataSource, String operation) {
		check(dataSource, operation, "Without one, an event could be published for a change that rolls back, or "
				+ "lost for one that commits.");
	}

	/**
	 * Check that the caller runs inside a read-write Spring-managed transaction holding a connection of
	 * the given DataSource.
	 * @param dataSource the captured DataSource
	 * @param operation what is called, for the message
	 * @param consequence what would go wrong without such a transaction, for the message
	 * @throws IllegalStateException naming the fix if there is no such transaction
	 */
	public static void check(DataSource dataSource, String operation, String consequence) {
		if (!TransactionSynchronizationManager.isActualTransactionActive()) {
			throw new IllegalStateException(operation + " must run inside a Spring-managed transaction on the captured "
					+ "DataSource: annotate the calling method with @Transactional or use a TransactionTemplate. "
					+ consequence);
		}
		// a TransactionAwareDataSourceProxy bean: the transaction manager binds the connection to its target
		DataSource key = (dataSource instanceof TransactionAwareDataSourceProxy proxy && proxy.getTargetDataSource() != null)
				? proxy.getTargetDataSource() : dataSource;
		if (TransactionSynchronizationManager.getResource(key) == null) {
			throw new IllegalStateException(operation + " runs in a transaction that does not hold a connection of "
					+ "the captured DataSource (another transaction manager or DataSource?): use the transaction "
					+ "manager of the DataSource whose database pgcdc captures.");
		}
		if (TransactionSynchronizationManager.isCurrentTransactionReadOnly()) {
			throw new IllegalStateException(operation + " runs in a read-only transaction; remove readOnly = true "
					+ "from the @Transactional method that writes the event");
		}
	}

}
