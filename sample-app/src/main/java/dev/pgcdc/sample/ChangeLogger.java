package dev.pgcdc.sample;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.TransactionEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Logs every captured change: the shortest possible consumer of pgcdc's application events.
 *
 * @author pgcdc
 */
@Component
public class ChangeLogger {

	private static final Logger logger = LoggerFactory.getLogger(ChangeLogger.class);

	@EventListener
	public void on(ChangeEvent event) {
		logger.info("{} {} {} (commit {})", event.operation(), event.table(), event.row(), event.commitLsn());
	}

	@EventListener
	public void on(TransactionEvent transaction) {
		logger.info("transaction {} committed {} change(s)", transaction.xid(), transaction.changes().size());
	}

}
