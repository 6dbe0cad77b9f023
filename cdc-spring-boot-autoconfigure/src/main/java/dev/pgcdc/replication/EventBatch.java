package dev.pgcdc.replication;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;

/**
 * A run of stream items handed from the reader to the dispatcher in one go, to keep the cost of the
 * hand-over per event low. Its bytes are those of the WAL messages the items came from, the measure
 * the queue reserves from the {@link MemoryBudget}.
 *
 * @author pgcdc
 */
final class EventBatch {

	private final StreamItem[] items;

	private int size;

	private long bytes;

	private long epoch;

	EventBatch(int capacity) {
		this.items = new StreamItem[capacity];
	}

	void add(ChangeEvent event, int itemBytes) {
		add(new StreamItem.Change(event), itemBytes);
	}

	void add(LogicalMessage message, int itemBytes) {
		add(new StreamItem.Message(message), itemBytes);
	}

	void add(StreamItem item, int itemBytes) {
		this.items[this.size++] = item;
		this.bytes += itemBytes;
	}

	boolean isFull() {
		return this.size == this.items.length;
	}

	boolean isEmpty() {
		return this.size == 0;
	}

	int size() {
		return this.size;
	}

	long bytes() {
		return this.bytes;
	}

	/** The {@link DeliveryGate} epoch the batch was queued under. */
	long epoch() {
		return this.epoch;
	}

	void epoch(long epoch) {
		this.epoch = epoch;
	}

	StreamItem get(int index) {
		return this.items[index];
	}

}
