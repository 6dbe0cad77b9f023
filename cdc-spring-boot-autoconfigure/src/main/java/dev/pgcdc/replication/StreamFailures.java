package dev.pgcdc.replication;

import java.io.UncheckedIOException;

import dev.pgcdc.event.Lsn;
import dev.pgcdc.replication.FailureClassifier.Failure;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * What a failed replication stream means for the reader: connect again after a back-off, stand by while
 * another instance holds the slot, or stop capture because trying again cannot help.
 *
 * @author pgcdc
 */
final class StreamFailures {

	private static final Log logger = LogFactory.getLog(StreamReader.class);

	private final EngineParts parts;

	private final BatchHandOver handOver;

	private final EngineControl engine;

	private final FailureClassifier classifier;

	/** The SQLSTATE of the last failure if it is permanent only when repeated; see FailureClassifier. */
	private String unconfirmedSqlState;

	StreamFailures(EngineParts parts, BatchHandOver handOver, EngineControl engine) {
		this.parts = parts;
		this.handOver = handOver;
		this.engine = engine;
		this.classifier = new FailureClassifier(parts.settings());
	}

	/** A stream is open again: a failure repeated across it is no longer a repeat. */
	void connected() {
		this.unconfirmedSqlState = null;
	}

	/**
	 * Decide what a failure of the stream means, and wait before the next attempt.
	 * @param ex the failure
	 * @param backoff the reader's back-off
	 * @return whether to connect again
	 */
	boolean handle(Exception ex, Backoff backoff) {
		if (this.parts.continuation().interrupted()) {
			this.handOver.queueReset();
		}
		if (ex instanceof UncheckedIOException) {
			// the spill directory, not the connection: trying again cannot help, and must not confirm past it
			return stop(ex.getMessage(), ex);
		}
		Failure failure = this.classifier.classify(ex);
		String unconfirmed = this.unconfirmedSqlState;
		this.unconfirmedSqlState = null;
		if (failure.kind() == FailureClassifier.Kind.SLOT_IN_USE) {
			if (this.parts.run().state() != EngineState.STANDBY) {
				// another instance streams the slot from its confirmed position: the backlog is its now.
				// Void it before saying STANDBY, and resume from the slot's position when the slot is back
				this.parts.gate().abandon();
				this.handOver.abandonQueued();
				this.parts.activity().resumeLsn(Lsn.ZERO);
			}
			this.parts.run().state(EngineState.STANDBY);
			this.parts.run().lastError(null);
			logger.info("Replication slot '" + this.parts.settings().slotName() + "' is in use by another instance; standing by");
			return this.parts.run().sleep(Math.min(backoff.nextDelayMillis(), 5_000));
		}
		String frozen = this.parts.acknowledger().frozenReason();
		if (frozen != null) {
			return stop(frozen, ex);
		}
		if ("42704".equals(failure.sqlState())) {
			// after a primary failover the slot may be missing on the new primary: say so, not just "missing"
			String failover = FailoverSlots.explainMissingSlot(this.parts.connector(), this.parts.settings().slotName());
			if (failover != null && failover.contains("promoted from a standby")) {
				return stop(ex.getMessage() + ". " + failover, ex);
			}
		}
		if (failure.kind() == FailureClassifier.Kind.PERMANENT
				|| (failure.kind() == FailureClassifier.Kind.PERMANENT_IF_REPEATED
						&& failure.sqlState().equals(unconfirmed))) {
			return stop(failure.message(), ex);
		}
		if (failure.kind() == FailureClassifier.Kind.PERMANENT_IF_REPEATED) {
			this.unconfirmedSqlState = failure.sqlState();
		}
		String message = String.valueOf(ex.getMessage());
		this.parts.run().state(EngineState.RECONNECTING);
		this.parts.run().lastError(message);
		long delay = backoff.nextDelayMillis();
		Lsn resumeLsn = this.parts.activity().resumeLsn();
		logger.warn("Replication connection failed (" + message + "); reconnecting in " + delay + " ms, resuming after "
				+ (resumeLsn.isValid() ? resumeLsn : "the slot's confirmed position"));
		return this.parts.run().sleep(delay);
	}

	private boolean stop(String reason, Exception ex) {
		this.engine.fail(reason, ex);
		return false;
	}

}
