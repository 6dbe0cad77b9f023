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
import dev.pgcdc.replication.DeliveryGate;
import dev.pgcdc.replication.MemoryBudget;

/**
 * The messages between the dispatcher and the broker's confirms, in commit order, with the transaction
 * ends between them, and the source of the completed position, which passes a transaction's end only once
 * every message before it was confirmed or handled by the failure policy.
 *
 * <p>What it holds it reserves from the engine's {@link MemoryBudget} ({@code cdc.memory.max-bytes}), as
 * every other buffer of changes does: when the budget is used up the dispatcher (and so reading) waits, for
 * instance while the broker is down. Apart from that, at most {@code maxInFlight} messages and
 * {@code maxInFlightBytes} bytes are published and not yet confirmed, a bound for the broker.
 *
 * <p>Each message carries the engine's delivery epoch it was added under; the publisher waits at the
 * engine's {@link DeliveryGate} before publishing one, and what an older epoch left here is dropped
 * ({@link #dropVoided}): another instance took the slot over and publishes it from the slot's position.
 *
 * <p>Three threads use it: the dispatcher adds, the publisher thread takes what to send, the connection's
 * thread reports confirms and returns.
 *
 * @author pgcdc
 */
final class ConfirmWindow {

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition changed = this.lock.newCondition();

	private final int maxInFlight;

	private final long maxInFlightBytes;

	/** {@link OutgoingMessage}s and transaction ends ({@link End}), in order. */
	private final ArrayDeque<Object> entries = new ArrayDeque<>();

	private final ArrayDeque<OutgoingMessage> unsent = new ArrayDeque<>();

	private final NavigableMap<Long, OutgoingMessage> sent = new TreeMap<>();

	private final Map<String, OutgoingMessage> sentById = new HashMap<>();

	private final ArrayDeque<OutgoingMessage> failed = new ArrayDeque<>();

	/** Read without the lock to ask the budget whether this holder is empty. */
	private volatile int messages;

	private long sentBytes;

	/** What the held messages reserved of the budget; read without the lock. */
	private volatile long heldBytes;

	private volatile long completed;

	private volatile boolean closed;

	ConfirmWindow(int maxInFlight, long maxInFlightBytes) {
		this.maxInFlight = Math.max(1, maxInFlight);
		this.maxInFlightBytes = Math.max(1, maxInFlightBytes);
	}

	/**
	 * Add a message queued under the given epoch, first reserving its heap from the budget, waiting while
	 * it is used up (an empty window is always admitted, so one oversized message cannot stall the stream).
	 * @return false if the window was closed or the epoch voided: the message is dropped
	 */
	boolean add(OutgoingMessage message, long epoch, MemoryBudget budget, DeliveryGate gate)
			throws InterruptedException {
		long bytes = message.heapBytes();
		// reserved outside the window's lock: the confirms that give memory back need it
		while (!budget.reserve(bytes, this.messages == 0, 100, TimeUnit.MILLISECONDS)) {
			if (this.closed || gate.voided(epoch)) {
				return false;
			}
		}
		this.lock.lock();
		try {
			if (this.closed || gate.voided(epoch)) {
				budget.release(bytes);
				return false;
			}
			message.epoch = epoch;
			message.reserved = bytes;
			message.budget = budget;
			this.heldBytes += bytes;
			this.entries.addLast(message);
			this.unsent.addLast(message);
			this.messages++;
			this.changed.signalAll();
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Note the end of a transaction whose messages were all added under the given epoch. */
	void end(Lsn end, long epoch, DeliveryGate gate) {
		this.lock.lock();
		try {
			if (this.closed || gate.voided(epoch)) {
				// its messages may have been dropped: its end must never become the completed position
				return;
			}
			End entry = new End(end.value(), epoch);
			if (this.entries.isEmpty()) {
				complete(entry.lsn());
			}
			else if (this.entries.peekLast() instanceof End) {
				// only the last of consecutive ends matters: the window stays as long as its messages
				this.entries.pollLast();
				this.entries.addLast(entry);
			}
			else {
				this.entries.addLast(entry);
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * The next message to publish, waiting up to the timeout while there is none or the in-flight bound is
	 * reached; {@code null} if none, or if failed messages wait for the failure policy first.
	 */
	OutgoingMessage nextUnsent(long timeoutMillis) throws InterruptedException {
		this.lock.lock();
		try {
			long nanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
			while (!sendable() && this.failed.isEmpty() && !this.closed && nanos > 0) {
				nanos = this.changed.awaitNanos(nanos);
			}
			return sendable() && this.failed.isEmpty() ? this.unsent.pollFirst() : null;
		}
		finally {
			this.lock.unlock();
		}
	}

	private boolean sendable() {
		OutgoingMessage next = this.unsent.peekFirst();
		return next != null && (this.sent.isEmpty() || (this.sent.size() < this.maxInFlight
				&& this.sentBytes + next.body.length <= this.maxInFlightBytes));
	}

	/** Put back a message taken but not published (the publisher stops). */
	void unsend(OutgoingMessage message) {
		this.lock.lock();
		try {
			if (message.state == OutgoingMessage.State.UNSENT && message.reserved > 0) {
				this.unsent.addFirst(message);
			}
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
			this.sentBytes += message.body.length;
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
			this.sentBytes = 0;
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
				this.sentBytes -= message.body.length;
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
			if (head instanceof End end) {
				complete(end.lsn());
			}
			else {
				OutgoingMessage message = (OutgoingMessage) head;
				if (message.state != OutgoingMessage.State.DONE) {
					return;
				}
				this.messages--;
				giveBack(message);
			}
			this.entries.pollFirst();
		}
	}

	private void giveBack(OutgoingMessage message) {
		if (message.reserved > 0) {
			message.budget.release(message.reserved);
			this.heldBytes -= message.reserved;
			message.reserved = 0;
		}
	}

	/**
	 * Drop every message and transaction end added under an epoch the gate voided, published or not, and
	 * give their memory back: another instance took the slot over and publishes them from the slot's
	 * position, and none of their ends may become the completed position.
	 * @return how many messages were dropped
	 */
	int dropVoided(DeliveryGate gate) {
		int dropped = 0;
		this.lock.lock();
		try {
			for (Iterator<Object> it = this.entries.iterator(); it.hasNext();) {
				Object entry = it.next();
				if (entry instanceof End end) {
					if (gate.voided(end.epoch())) {
						it.remove();
					}
				}
				else if (entry instanceof OutgoingMessage message && gate.voided(message.epoch)) {
					it.remove();
					this.messages--;
					dropped++;
					giveBack(message);
					message.state = OutgoingMessage.State.DONE;
				}
			}
			this.unsent.removeIf((message) -> gate.voided(message.epoch));
			this.failed.removeIf((message) -> gate.voided(message.epoch));
			for (Iterator<OutgoingMessage> it = this.sent.values().iterator(); it.hasNext();) {
				OutgoingMessage message = it.next();
				if (gate.voided(message.epoch)) {
					it.remove();
					this.sentById.remove(message.messageId());
					this.sentBytes -= message.body.length;
				}
			}
			advance();
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
		return dropped;
	}

	private void complete(long end) {
		// snapshot chunks end at position 0: completion never moves backwards
		if (Long.compareUnsigned(end, this.completed) > 0) {
			this.completed = end;
		}
	}

	/** Stop taking messages: waiting callers return, and what is held gives its memory back. */
	void close() {
		this.lock.lock();
		try {
			this.closed = true;
			for (Object entry : this.entries) {
				if (entry instanceof OutgoingMessage message) {
					giveBack(message);
				}
			}
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
		return this.messages;
	}

	/** The heap the messages held take, as reserved from the budget. */
	long heldBytes() {
		return this.heldBytes;
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

	/** A transaction's end position, and the epoch its messages were added under. */
	private record End(long lsn, long epoch) {
	}

}
