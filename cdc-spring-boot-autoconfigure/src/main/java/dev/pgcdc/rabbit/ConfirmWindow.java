package dev.pgcdc.rabbit;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import dev.pgcdc.event.Lsn;

/**
 * The messages between the dispatcher and the broker's confirms, in commit order, with the transaction
 * ends between them: bounded in count and bytes (the dispatcher waits when it is full), and the source of
 * the completed position, which passes a transaction's end only once every message before it was
 * confirmed or handled by the failure policy.
 *
 * <p>Three threads use it: the dispatcher adds, the publisher thread takes what to send, the connection's
 * thread reports confirms and returns.
 *
 * @author pgcdc
 */
final class ConfirmWindow {

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition changed = this.lock.newCondition();

	private final int maxMessages;

	private final long maxBytes;

	/** {@link OutgoingMessage}s and transaction ends ({@link Lsn}), in order. */
	private final ArrayDeque<Object> entries = new ArrayDeque<>();

	private final ArrayDeque<OutgoingMessage> unsent = new ArrayDeque<>();

	private final NavigableMap<Long, OutgoingMessage> sent = new TreeMap<>();

	private final Map<String, OutgoingMessage> sentById = new HashMap<>();

	private final ArrayDeque<OutgoingMessage> failed = new ArrayDeque<>();

	private int messages;

	private long bytes;

	private volatile long completed;

	private volatile boolean closed;

	ConfirmWindow(int maxMessages, long maxBytes) {
		this.maxMessages = Math.max(1, maxMessages);
		this.maxBytes = Math.max(1, maxBytes);
	}

	/** Add a message, waiting while the window is full; returns false if the window was closed. */
	boolean add(OutgoingMessage message) throws InterruptedException {
		this.lock.lock();
		try {
			while (!this.closed && this.messages > 0 && (this.messages >= this.maxMessages
					|| this.bytes + message.body.length > this.maxBytes)) {
				this.changed.await(100, TimeUnit.MILLISECONDS);
			}
			if (this.closed) {
				return false;
			}
			this.entries.addLast(message);
			this.unsent.addLast(message);
			this.messages++;
			this.bytes += message.body.length;
			this.changed.signalAll();
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Note the end of a transaction whose messages were all added. */
	void end(Lsn end) {
		this.lock.lock();
		try {
			if (this.entries.isEmpty()) {
				complete(end.value());
			}
			else if (this.entries.peekLast() instanceof Lsn) {
				// only the last of consecutive ends matters: the window stays as long as its messages
				this.entries.pollLast();
				this.entries.addLast(end);
			}
			else {
				this.entries.addLast(end);
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/** The next message to publish, waiting up to the timeout; {@code null} if none. */
	OutgoingMessage nextUnsent(long timeoutMillis) throws InterruptedException {
		this.lock.lock();
		try {
			long nanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
			while (this.unsent.isEmpty() && this.failed.isEmpty() && !this.closed && nanos > 0) {
				nanos = this.changed.awaitNanos(nanos);
			}
			return this.unsent.pollFirst();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Record the publish sequence number of a message about to be published. */
	void sending(OutgoingMessage message, long sequence) {
		this.lock.lock();
		try {
			message.sequence = sequence;
			message.state = OutgoingMessage.State.SENT;
			this.sent.put(sequence, message);
			this.sentById.put(message.messageId(), message);
		}
		finally {
			this.lock.unlock();
		}
	}

	/** The channel is gone: every message not confirmed is published again, in order, on the next one. */
	void rewind() {
		this.lock.lock();
		try {
			this.sent.clear();
			this.sentById.clear();
			this.unsent.clear();
			for (Object entry : this.entries) {
				if (entry instanceof OutgoingMessage message && (message.state == OutgoingMessage.State.SENT
						|| message.state == OutgoingMessage.State.RETURNED || message.state == OutgoingMessage.State.UNSENT)) {
					message.state = OutgoingMessage.State.UNSENT;
					this.unsent.addLast(message);
				}
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/** The broker returned a message as unroutable; its confirm follows. */
	void returned(String messageId, String reason) {
		this.lock.lock();
		try {
			OutgoingMessage message = this.sentById.get(messageId);
			if (message != null && message.state == OutgoingMessage.State.SENT) {
				message.state = OutgoingMessage.State.RETURNED;
				message.failure = reason;
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * The broker confirmed ({@code ack}) or refused a message, or all up to it ({@code multiple}); returned
	 * or refused ones wait for the failure policy.
	 * @return how many messages this settled
	 */
	int confirmed(long sequence, boolean multiple, boolean ack) {
		int count = 0;
		this.lock.lock();
		try {
			Map<Long, OutgoingMessage> done = multiple ? this.sent.headMap(sequence, true)
					: this.sent.containsKey(sequence) ? this.sent.subMap(sequence, true, sequence, true) : Map.of();
			for (Iterator<OutgoingMessage> it = done.values().iterator(); it.hasNext();) {
				OutgoingMessage message = it.next();
				it.remove();
				count++;
				this.sentById.remove(message.messageId());
				if (!ack || message.state == OutgoingMessage.State.RETURNED) {
					if (!ack) {
						message.failure = "the broker refused it (basic.nack)";
					}
					message.state = OutgoingMessage.State.FAILED;
					this.failed.addLast(message);
				}
				else {
					message.state = OutgoingMessage.State.DONE;
				}
			}
			advance();
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
		return count;
	}

	/** The next message waiting for the failure policy, or {@code null}. */
	OutgoingMessage nextFailed() {
		this.lock.lock();
		try {
			return this.failed.pollFirst();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** The failure policy handled a failed message (dead-lettered or skipped). */
	void resolved(OutgoingMessage message) {
		this.lock.lock();
		try {
			message.state = OutgoingMessage.State.DONE;
			advance();
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	private void advance() {
		while (!this.entries.isEmpty()) {
			Object head = this.entries.peekFirst();
			if (head instanceof Lsn end) {
				complete(end.value());
			}
			else {
				OutgoingMessage message = (OutgoingMessage) head;
				if (message.state != OutgoingMessage.State.DONE) {
					return;
				}
				this.messages--;
				this.bytes -= message.body.length;
			}
			this.entries.pollFirst();
		}
	}

	private void complete(long end) {
		// snapshot chunks end at position 0: completion never moves backwards
		if (Long.compareUnsigned(end, this.completed) > 0) {
			this.completed = end;
		}
	}

	/** Stop taking messages: waiting callers return. */
	void close() {
		this.lock.lock();
		try {
			this.closed = true;
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	Lsn completed() {
		return new Lsn(this.completed);
	}

	/** Messages added and not yet confirmed. */
	int backlog() {
		this.lock.lock();
		try {
			return this.messages;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Messages published on the current channel and not yet confirmed. */
	int inFlight() {
		this.lock.lock();
		try {
			return this.sent.size();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** The commit end the completed position waits behind, for messages. */
	String firstUnconfirmed() {
		this.lock.lock();
		try {
			for (Object entry : this.entries) {
				if (entry instanceof OutgoingMessage message && message.state != OutgoingMessage.State.DONE) {
					return message.toString();
				}
			}
			return null;
		}
		finally {
			this.lock.unlock();
		}
	}

}
