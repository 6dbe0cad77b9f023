package dev.pgcdc.replication;

import java.sql.SQLException;
import java.time.Duration;

import dev.pgcdc.event.Lsn;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * Confirms positions to the server: only what the {@link FlushTracker} says every consumer has handled (or
 * what the keepalive proved safe), never backwards, and reported in a status message no later than one
 * status interval after it moved.
 *
 * <p>Once {@linkplain #freeze(String) frozen} (the publication was found dropped) nothing more is
 * confirmed, so the changes since stay in the slot for a recovery.
 *
 * @author pgcdc
 */
final class PositionAcknowledger {

	private final FlushTracker flushTracker;

	private final long statusNanos;

	private final Object confirmLock = new Object();

	private volatile Lsn acknowledgedLsn = Lsn.ZERO;

	private volatile Lsn reportedLsn = Lsn.ZERO;

	private volatile long lastStatusNanos;

	private volatile String frozenReason;

	PositionAcknowledger(FlushTracker flushTracker, Duration statusInterval) {
		this.flushTracker = flushTracker;
		this.statusNanos = statusInterval.toNanos();
	}

	/** The position last confirmed to the server as flushed. */
	Lsn acknowledged() {
		return this.acknowledgedLsn;
	}

	/** Confirm what every consumer has handled, and send a status message if one is due or forced. */
	void acknowledge(PGReplicationStream stream, boolean force) throws SQLException {
		if (this.frozenReason != null) {
			// capture stopped: not even a position set before is reported now, the slot stays where it was seen
			return;
		}
		confirm(stream, this.flushTracker.flushable());
		// pgjdbc sends its periodic status only after the next message arrives, which on a quiet
		// stream may be long after the position moved; say it now if the interval has passed
		long now = System.nanoTime();
		Lsn confirmed = this.acknowledgedLsn;
		if (force || (confirmed.compareTo(this.reportedLsn) > 0 && now - this.lastStatusNanos >= this.statusNanos)) {
			stream.forceUpdateStatus();
			this.lastStatusNanos = now;
			this.reportedLsn = confirmed;
		}
	}

	/**
	 * Record a position as safe to confirm. Only a volatile field of the stream is set, so this is safe
	 * from any thread; pgjdbc sends it with its next status message.
	 */
	void confirm(PGReplicationStream stream, Lsn position) {
		if (this.frozenReason != null) {
			return;
		}
		synchronized (this.confirmLock) {
			if (position.compareTo(this.acknowledgedLsn) > 0) {
				LogSequenceNumber lsn = LogSequenceNumber.valueOf(position.value());
				stream.setFlushedLSN(lsn);
				stream.setAppliedLSN(lsn);
				this.acknowledgedLsn = position;
			}
		}
	}

	/**
	 * Tell a new stream what was confirmed already: pgjdbc starts it at zero and would otherwise report
	 * that until the next confirmation.
	 */
	void resumeOn(PGReplicationStream stream) {
		if (this.acknowledgedLsn.isValid()) {
			LogSequenceNumber confirmed = LogSequenceNumber.valueOf(this.acknowledgedLsn.value());
			stream.setFlushedLSN(confirmed);
			stream.setAppliedLSN(confirmed);
		}
	}

	/** Confirm nothing more, for the reason given (the error capture then stops with). */
	void freeze(String reason) {
		this.frozenReason = reason;
	}

	void unfreeze() {
		this.frozenReason = null;
	}

	/** Why nothing more is confirmed, or {@code null} while positions are confirmed. */
	String frozenReason() {
		return this.frozenReason;
	}

}
