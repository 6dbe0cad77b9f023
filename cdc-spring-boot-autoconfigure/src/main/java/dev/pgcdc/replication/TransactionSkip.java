package dev.pgcdc.replication;

import dev.pgcdc.event.Lsn;
import dev.pgcdc.pgoutput.PgOutputMessage;
import dev.pgcdc.pgoutput.PgOutputMessage.Delete;
import dev.pgcdc.pgoutput.PgOutputMessage.Insert;
import dev.pgcdc.pgoutput.PgOutputMessage.Message;
import dev.pgcdc.pgoutput.PgOutputMessage.Truncate;
import dev.pgcdc.pgoutput.PgOutputMessage.Update;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Drops the rest of a transaction that carries a {@link ReplicationEngine#SKIP_PREFIX} message (written by
 * {@code CdcControl.skipCurrentTransaction()}): its row changes and messages reach no consumer, only its
 * begin and commit do, so its position is confirmed like any other.
 *
 * <p>pgoutput sends a transaction's changes in WAL order, so only what follows the message can be dropped;
 * the message is meant to be the transaction's first item. A transaction sent again after a lost
 * connection carries the message again and is skipped again. Used by the reader thread only.
 *
 * @author pgcdc
 */
final class TransactionSkip {

	private static final Log logger = LogFactory.getLog(TransactionSkip.class);

	private boolean active;

	private long dropped;

	private long deliveredBefore;

	/** A new stream (after a reconnection): whatever was open is sent again from its start. */
	void reset() {
		this.active = false;
		this.dropped = 0;
		this.deliveredBefore = 0;
	}

	/** A transaction begins: it is delivered unless it carries a skip message. */
	void begin() {
		reset();
	}

	/** A change of the open transaction was queued for consumers. */
	void delivered() {
		if (!this.active) {
			this.deliveredBefore++;
		}
	}

	/** The skip message of the open transaction arrived. */
	void start() {
		this.active = true;
	}

	/**
	 * Return whether to drop a message of the open transaction, counting it.
	 * @param message the decoded message
	 * @return {@code true} for a row change or a transactional message of a skipped transaction
	 */
	boolean drops(PgOutputMessage message) {
		if (!this.active) {
			return false;
		}
		if (message instanceof Insert || message instanceof Update || message instanceof Delete) {
			this.dropped++;
			return true;
		}
		if (message instanceof Truncate truncate) {
			this.dropped += truncate.relationOids().length;
			return true;
		}
		if (message instanceof Message logical && logical.transactional()) {
			this.dropped++;
			return true;
		}
		return false;
	}

	/**
	 * The open transaction commits: count and log it if it was skipped.
	 * @param xid its transaction id
	 * @param commitLsn its commit position
	 * @param statistics where skipped transactions are counted
	 */
	void committed(long xid, Lsn commitLsn, StreamStatistics statistics) {
		if (!this.active) {
			return;
		}
		statistics.transactionSkipped(this.dropped);
		if (this.deliveredBefore > 0) {
			logger.warn("Transaction " + xid + " (commit " + commitLsn + ") was marked to be skipped after "
					+ this.deliveredBefore + " of its changes, which were delivered; call "
					+ "CdcControl.skipCurrentTransaction() before the transaction's first write");
		}
		logger.info("Skipped transaction " + xid + " (commit " + commitLsn + "): " + this.dropped
				+ " changes and messages reached no consumer (CdcControl.skipCurrentTransaction()); its position "
				+ "is confirmed");
		reset();
	}

}
