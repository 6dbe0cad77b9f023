package dev.pgcdc.replication;

import java.nio.ByteBuffer;
import java.sql.SQLException;

import org.postgresql.replication.PGReplicationStream;

/**
 * Decides, at a commit, whether the reader keeps filling its batch with the next transactions instead of
 * handing it to the dispatcher at once. At thousands of small transactions a second, one hand-over per
 * transaction costs a wake-up of the dispatcher each, and on a small machine those wake-ups are what makes
 * the stream fall behind; one hand-over for what has already arrived costs nothing in latency.
 *
 * <p>Only messages pgjdbc already received count: {@code readPending()} waits up to a millisecond on the
 * socket when nothing is buffered, so a call that took longer than a fraction of that means the reader
 * was caught up. The batch is then handed over before that message is handled, and looking ahead pauses
 * for a while, so that a quiet stream does not pay the wait at every commit. A held batch is handed over
 * half a millisecond after its first held commit at the latest. Used by the reader thread only.
 *
 * @author pgcdc
 */
final class CommitLookahead {

	/** The longest a committed transaction waits in the reader's batch. */
	private static final long HOLD_NANOS = 500_000;

	/** A {@code readPending()} longer than this waited on the socket: nothing was buffered. */
	private static final long WAITED_NANOS = 150_000;

	/** How long looking ahead rests after it found the reader caught up. */
	private static final long PAUSE_NANOS = 50_000_000;

	private long holdingSince;

	private long pausedUntil;

	private boolean waited;

	/**
	 * Read the next message if the pause allows, noting whether it was already received.
	 * @return the next message, to be handled next, or {@code null}
	 */
	ByteBuffer readAhead(PGReplicationStream stream) throws SQLException {
		long started = System.nanoTime();
		if (started - this.pausedUntil < 0) {
			this.waited = true;
			return null;
		}
		ByteBuffer next = stream.readPending();
		long ended = System.nanoTime();
		this.waited = ended - started > WAITED_NANOS;
		if (this.waited) {
			this.pausedUntil = ended + PAUSE_NANOS;
		}
		return next;
	}

	/**
	 * Whether the batch may be held for the message just read ahead: it had arrived already and the held
	 * commits are recent enough.
	 */
	boolean hold() {
		if (this.waited) {
			return false;
		}
		long now = System.nanoTime();
		if (this.holdingSince == 0) {
			this.holdingSince = now;
			return true;
		}
		return now - this.holdingSince < HOLD_NANOS;
	}

	/** The batch was handed over: nothing is held. */
	void released() {
		this.holdingSince = 0;
	}

}
