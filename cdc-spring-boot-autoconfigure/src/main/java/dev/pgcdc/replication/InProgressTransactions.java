package dev.pgcdc.replication;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import dev.pgcdc.pgoutput.PgOutputMessage.StreamAbort;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamStart;

/**
 * The transactions the server is streaming before they commit, by top-level xid, and the stream block being
 * read; reader thread only.
 *
 * <p>The server sends a large transaction in blocks while it runs, between other transactions and between
 * blocks of other large ones, and then a stream commit or abort. Everything of a connection is dropped when
 * it ends: the server streams unfinished transactions again from their start on the next one.
 *
 * @author pgcdc
 */
final class InProgressTransactions {

	private final MemoryBudget budget;

	private final Path directory;

	private final Map<Long, InProgressTransaction> open = new HashMap<>();

	private InProgressTransaction current;

	InProgressTransactions(MemoryBudget budget, Path directory) {
		this.budget = budget;
		this.directory = directory;
	}

	/** A stream block of a transaction starts: the messages up to its stop are that transaction's. */
	void start(StreamStart start) {
		this.current = this.open.computeIfAbsent(start.xid(),
				(xid) -> new InProgressTransaction(xid, this.budget, this.directory));
	}

	void stop() {
		this.current = null;
	}

	/**
	 * Return whether a message of this type belongs to the block being read, rather than ends it.
	 * @param message the message as received
	 * @return whether to {@link #append} it
	 */
	boolean takes(ByteBuffer message) {
		return this.current != null && message.get(message.position()) != 'E';
	}

	void append(long lsn, ByteBuffer message) {
		this.current.append(lsn, message, xidOf(message));
	}

	/**
	 * Take a committed transaction out.
	 * @param xid its top-level xid
	 * @return the transaction, which the caller replays and closes, or {@code null} if nothing of it was
	 * streamed on this connection
	 */
	InProgressTransaction committed(long xid) {
		return this.open.remove(xid);
	}

	void aborted(StreamAbort abort) {
		if (abort.subXid() == abort.xid() || abort.subXid() == 0) {
			InProgressTransaction transaction = this.open.remove(abort.xid());
			if (transaction != null) {
				transaction.close();
			}
		}
		else {
			InProgressTransaction transaction = this.open.get(abort.xid());
			if (transaction != null) {
				transaction.abortSubtransaction(abort.subXid());
			}
		}
	}

	/** Return how many are open. */
	int size() {
		return this.open.size();
	}

	/** Drop them all: the connection ended. */
	void clear() {
		this.open.values().forEach(InProgressTransaction::close);
		this.open.clear();
		this.current = null;
	}

	/** The xid a message received in a stream block carries right after its type, or 0 if it has none. */
	static long xidOf(ByteBuffer message) {
		int at = message.position();
		return switch (message.get(at)) {
			case 'I', 'U', 'D', 'T', 'R', 'Y', 'M' -> Integer.toUnsignedLong(message.getInt(at + 1));
			default -> 0L;
		};
	}

}
