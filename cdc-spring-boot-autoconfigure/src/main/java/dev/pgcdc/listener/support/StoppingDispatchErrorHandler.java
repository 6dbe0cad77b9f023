package dev.pgcdc.listener.support;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.TransactionEvent;
import dev.pgcdc.replication.ChangeConsumer;
import dev.pgcdc.replication.DispatchErrorHandler;

/**
 * The default {@link DispatchErrorHandler}: a consumer that throws on the dispatch thread (an
 * {@code @EventListener} of change events, a {@code ChangeConsumer} bean) stops change data capture, and
 * the failed transaction is not confirmed, so it is delivered again after a restart.
 *
 * <p>Stopping is the only choice that loses nothing: application events have no retries or dead letters.
 * Use {@code @CdcListener} for work that may fail, or define a {@link DispatchErrorHandler} bean that
 * decides otherwise (returning normally moves on and confirms the transaction).
 *
 * @author pgcdc
 */
public class StoppingDispatchErrorHandler implements DispatchErrorHandler {

	@Override
	public void handle(ChangeConsumer consumer, Object item, Exception failure) throws Exception {
		throw new IllegalStateException(consumer.getClass().getName() + " failed on " + describe(item)
				+ "; change data capture stops so that nothing is lost. Fix it and restart: the transaction is "
				+ "delivered again.", failure);
	}

	static String describe(Object item) {
		if (item instanceof ChangeEvent event) {
			return event.operation() + " of " + event.table() + " at " + event.lsn() + " (transaction " + event.xid()
					+ ", commit " + event.commitLsn() + ")";
		}
		if (item instanceof TransactionEvent transaction) {
			return "transaction " + transaction.xid() + " committed at " + transaction.commitLsn();
		}
		if (item instanceof LogicalMessage message) {
			return "logical message '" + message.prefix() + "' at " + message.lsn();
		}
		return String.valueOf(item);
	}

}
