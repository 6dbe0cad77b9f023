package dev.pgcdc.listener.support;

import java.util.function.Supplier;

import dev.pgcdc.listener.CdcErrorHandler;
import dev.pgcdc.listener.CdcListenerFailure;
import dev.pgcdc.listener.DeadLetters;
import dev.pgcdc.listener.FailurePolicy;
import dev.pgcdc.replication.EngineControl;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Applies the failure policy (or the application's {@link CdcErrorHandler}) to a listener's final failure.
 *
 * <p>Never loses an event: when the dead letter cannot be written, or the error handler throws, change
 * data capture stops without confirming the transaction.
 *
 * @author pgcdc
 */
final class ListenerFailureHandler {

	private static final Log logger = LogFactory.getLog(ListenerFailureHandler.class);

	private final CdcErrorHandler errorHandler;

	private final DeadLetters deadLetters;

	private final Supplier<EngineControl> engine;

	ListenerFailureHandler(CdcErrorHandler errorHandler, DeadLetters deadLetters, Supplier<EngineControl> engine) {
		this.errorHandler = errorHandler;
		this.deadLetters = deadLetters;
		this.engine = engine;
	}

	/**
	 * Handle a final failure.
	 * @return whether the listener may go on with the next event
	 */
	boolean handle(ListenerEndpoint endpoint, CdcListenerFailure failure, ListenerStatistics statistics) {
		String what = describe(failure);
		if (this.errorHandler != null) {
			try {
				this.errorHandler.handle(failure);
				return true;
			}
			catch (Throwable ex) {
				return stop("the CdcErrorHandler rejected the failure of listener '" + endpoint.id() + "' on "
						+ what + ": " + ex.getMessage(), failure.exception());
			}
		}
		FailurePolicy policy = endpoint.failurePolicy();
		if (policy == FailurePolicy.SKIP) {
			statistics.skipped();
			logger.warn("Listener '" + endpoint.id() + "' failed on " + what + " after " + failure.attempts()
					+ " attempt(s); skipped (cdc.listener.failure-policy=skip)", failure.exception());
			return true;
		}
		if (policy == FailurePolicy.DEAD_LETTER) {
			if (this.deadLetters == null) {
				return stop("listener '" + endpoint.id() + "' failed on " + what
						+ " and no dead-letter store is configured", failure.exception());
			}
			try {
				long id = this.deadLetters.store(failure);
				statistics.deadLettered();
				logger.warn("Listener '" + endpoint.id() + "' failed on " + what + " after " + failure.attempts()
						+ " attempt(s); stored as dead letter " + id + " (replay with DeadLetters.replay(" + id + "))",
						failure.exception());
				return true;
			}
			catch (RuntimeException ex) {
				logger.error("Could not store the dead letter of listener '" + endpoint.id() + "'", ex);
				return stop("listener '" + endpoint.id() + "' failed on " + what
						+ " and the dead letter could not be stored: " + ex.getMessage(), failure.exception());
			}
		}
		return stop("listener '" + endpoint.id() + "' failed on " + what + " after " + failure.attempts()
				+ " attempt(s) and cdc.listener.failure-policy=stop. Fix the listener and restart: the transaction "
				+ "is delivered again.", failure.exception());
	}

	/** Stop change data capture without confirming what is unfinished. */
	void fail(String reason, Throwable cause) {
		stop(reason, cause);
	}

	private boolean stop(String reason, Throwable cause) {
		EngineControl control = this.engine.get();
		if (control != null) {
			control.fail(reason, cause);
		}
		else {
			logger.error(reason, cause);
		}
		return false;
	}

	static String describe(CdcListenerFailure failure) {
		if (failure.message() != null) {
			return "logical message '" + failure.message().prefix() + "' at " + failure.message().lsn();
		}
		if (failure.changes().size() == 1) {
			var event = failure.changes().get(0);
			return event.operation() + " of " + event.table() + " at " + event.lsn() + " (transaction " + event.xid()
					+ ")";
		}
		var first = failure.changes().get(0);
		return "transaction " + first.xid() + " (" + failure.changes().size() + " changes, commit " + first.commitLsn()
				+ ")";
	}

}
