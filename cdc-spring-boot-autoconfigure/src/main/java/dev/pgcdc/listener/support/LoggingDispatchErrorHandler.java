package dev.pgcdc.listener.support;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.TransactionEvent;
import dev.pgcdc.replication.ChangeConsumer;
import dev.pgcdc.replication.DispatchErrorHandler;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The default {@link DispatchErrorHandler}: logs the failure with the event's table, operation and
 * position (never its values, which may be personal data) and moves on.
 *
 * @author pgcdc
 */
public class LoggingDispatchErrorHandler implements DispatchErrorHandler {

	private static final Log logger = LogFactory.getLog(LoggingDispatchErrorHandler.class);

	@Override
	public void handle(ChangeConsumer consumer, Object item, Exception failure) {
		logger.error("Change consumer " + consumer.getClass().getName() + " failed on " + describe(item), failure);
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
