package dev.pgcdc.replication;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * One transaction the server streams before it commits (pgoutput protocol version 2): its messages exactly as
 * received, in a spill file of its own, until its commit replays them through the reader or its abort drops
 * them. It holds wire messages of a transaction that may never commit, not changes: the dispatcher remains
 * the one place a committed transaction is collected.
 *
 * <p>Only the write buffer is in memory (reserved from the {@link MemoryBudget}), whatever the size of the
 * transaction. A rolled-back subtransaction is cut off the end of the file: its changes and those of its
 * children are the last ones written when the server reports its abort.
 *
 * @author pgcdc
 */
final class InProgressTransaction implements AutoCloseable {

	/** The size of the write buffer and of the read buffer of a replay. */
	static final int BUFFER_BYTES = 64 * 1024;

	private static final int HEADER_BYTES = Long.BYTES + Integer.BYTES;

	private final long xid;

	private final MemoryBudget budget;

	private final SpillFile file;

	private final FileChannel channel;

	private final ByteBuffer buffer;

	/** The bytes written to the file; the buffer holds what follows. */
	private long flushed;

	/** Where each subtransaction's first message starts, to cut it off at its abort. */
	private final Map<Long, Long> subtransactionStarts = new HashMap<>();

	/** The (sub)transaction of the message appended last: a lookup only when it changes. */
	private long lastXid;

	InProgressTransaction(long xid, MemoryBudget budget, Path directory) {
		this.xid = xid;
		this.budget = budget;
		this.lastXid = xid;
		// at once: the reader must go on reading for the budget's other holders to drain
		budget.reserveNow(BUFFER_BYTES);
		try {
			this.file = SpillFile.create(directory);
		}
		catch (RuntimeException ex) {
			budget.release(BUFFER_BYTES);
			throw ex;
		}
		this.channel = this.file.channel();
		this.buffer = ByteBuffer.allocate(BUFFER_BYTES);
	}

	long xid() {
		return this.xid;
	}

	/** Return how many bytes it holds. */
	long bytes() {
		return this.flushed + this.buffer.position();
	}

	/**
	 * Append a message received inside one of the transaction's stream blocks.
	 * @param lsn the position it was received at
	 * @param message the message, from its position to its limit; left unchanged
	 * @param messageXid the (sub)transaction the message carries, 0 for a message without one
	 */
	void append(long lsn, ByteBuffer message, long messageXid) {
		if (messageXid != 0 && messageXid != this.lastXid) {
			if (messageXid != this.xid) {
				this.subtransactionStarts.putIfAbsent(messageXid, bytes());
			}
			this.lastXid = messageXid;
		}
		int length = message.remaining();
		if (this.buffer.remaining() < HEADER_BYTES + length) {
			flush();
		}
		if (this.buffer.remaining() < HEADER_BYTES + length) {
			// larger than the buffer: straight to the file
			ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).putLong(lsn).putInt(length).flip();
			write(header);
			write(message.duplicate());
		}
		else {
			this.buffer.putLong(lsn).putInt(length).put(message.duplicate());
		}
	}

	/**
	 * Drop a rolled-back subtransaction: its messages and everything after them.
	 * @param subXid the subtransaction; one that sent nothing yet is ignored
	 */
	void abortSubtransaction(long subXid) {
		Long start = this.subtransactionStarts.remove(subXid);
		if (start == null) {
			return;
		}
		this.subtransactionStarts.values().removeIf((position) -> position >= start);
		this.lastXid = 0;
		if (start >= this.flushed) {
			this.buffer.position((int) (start - this.flushed));
		}
		else {
			this.buffer.clear();
			try {
				this.channel.truncate(start);
			}
			catch (IOException ex) {
				throw failed(ex);
			}
			this.flushed = start;
		}
	}

	/**
	 * Start reading the messages back, in the order they were received.
	 * @return the replay; the transaction takes no more messages
	 */
	Replay replay() {
		flush();
		return new Replay();
	}

	private void flush() {
		this.buffer.flip();
		write(this.buffer);
		this.buffer.clear();
	}

	private void write(ByteBuffer bytes) {
		try {
			while (bytes.hasRemaining()) {
				this.flushed += this.channel.write(bytes, this.flushed);
			}
		}
		catch (IOException ex) {
			throw failed(ex);
		}
	}

	private static UncheckedIOException failed(IOException ex) {
		return new UncheckedIOException("Could not write or read the spill file of a streamed transaction ("
				+ ex.getMessage() + ")" + SpillFile.FIX, ex);
	}

	/** Delete the file and give the buffer's memory back. */
	@Override
	public void close() {
		this.file.run();
		this.budget.release(BUFFER_BYTES);
	}

	/**
	 * Reads an in-progress transaction's messages back from its file, each into an array of its own (a decoded
	 * row keeps the array of its message).
	 */
	final class Replay {

		/** Read mode: from its position to its limit are the bytes read from the file and not returned yet. */
		private final ByteBuffer input = ByteBuffer.allocate(BUFFER_BYTES).flip();

		/** The next byte of the file to read into the buffer. */
		private long filePosition;

		private long lsn;

		/**
		 * Return the next message, or {@code null} after the last.
		 * @return a buffer over a new array holding the message
		 */
		ByteBuffer next() {
			if (!this.input.hasRemaining() && this.filePosition >= InProgressTransaction.this.flushed) {
				return null;
			}
			ensure(HEADER_BYTES);
			this.lsn = this.input.getLong();
			int length = this.input.getInt();
			byte[] message = new byte[length];
			int copied = 0;
			while (copied < length) {
				ensure(1);
				int chunk = Math.min(length - copied, this.input.remaining());
				this.input.get(message, copied, chunk);
				copied += chunk;
			}
			return ByteBuffer.wrap(message);
		}

		/** Return the position the last message returned was received at. */
		long lsn() {
			return this.lsn;
		}

		private void ensure(int needed) {
			if (this.input.remaining() >= needed) {
				return;
			}
			this.input.compact();
			try {
				while (this.input.position() < needed) {
					if (this.filePosition >= InProgressTransaction.this.flushed) {
						throw new IllegalStateException("The spill file of streamed transaction "
								+ InProgressTransaction.this.xid + " ends in the middle of a message");
					}
					int read = InProgressTransaction.this.channel.read(this.input, this.filePosition);
					if (read < 0) {
						throw new IllegalStateException("The spill file of streamed transaction "
								+ InProgressTransaction.this.xid + " is shorter than what was written to it");
					}
					this.filePosition += read;
				}
			}
			catch (IOException ex) {
				throw failed(ex);
			}
			finally {
				this.input.flip();
			}
		}

	}

}
