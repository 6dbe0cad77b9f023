package dev.pgcdc.replication;

import java.sql.Connection;

import dev.pgcdc.event.Lsn;
import org.postgresql.replication.PGReplicationStream;

/**
 * What the reader thread is doing, published for the threads that tend its connection (keepalive,
 * watchdog, stop): the connection and stream it uses, whether and since when it waits in {@code read()},
 * and where it would resume. Written by the reader thread only.
 *
 * @author pgcdc
 */
final class ReaderActivity {

	private volatile Connection connection;

	private volatile PGReplicationStream stream;

	private volatile long readBlockedSince;

	private volatile long readGeneration;

	private volatile long lastProgressNanos;

	private volatile boolean inTransaction;

	private volatile Lsn resumeLsn = Lsn.ZERO;

	void connected(Connection connection) {
		this.connection = connection;
	}

	void streaming(PGReplicationStream stream) {
		this.stream = stream;
	}

	void disconnected() {
		this.connection = null;
		this.stream = null;
		this.readBlockedSince = 0;
	}

	Connection connection() {
		return this.connection;
	}

	PGReplicationStream stream() {
		return this.stream;
	}

	void readStarted() {
		this.readBlockedSince = System.nanoTime();
	}

	/** A {@code read()} returned, with or without a message: checks that spanned it must start over. */
	void readReturned() {
		this.readBlockedSince = 0;
		this.readGeneration++;
	}

	/** Since when the reader waits in {@code read()}, or {@code 0} when it does not. */
	long readBlockedSince() {
		return this.readBlockedSince;
	}

	long readGeneration() {
		return this.readGeneration;
	}

	/** The reader got a message or still hands events over: the connection is alive. */
	void progressed() {
		this.lastProgressNanos = System.nanoTime();
	}

	long lastProgressNanos() {
		return this.lastProgressNanos;
	}

	boolean inTransaction() {
		return this.inTransaction;
	}

	void inTransaction(boolean inTransaction) {
		this.inTransaction = inTransaction;
	}

	/** The end of the last transaction received: a new stream starts after it. */
	Lsn resumeLsn() {
		return this.resumeLsn;
	}

	void resumeLsn(Lsn resumeLsn) {
		this.resumeLsn = resumeLsn;
	}

}
