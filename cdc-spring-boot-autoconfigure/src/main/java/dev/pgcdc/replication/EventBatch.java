package dev.pgcdc.replication;

/**
 * A run of stream items handed from the reader to the dispatcher in one go, to keep the cost of the
 * hand-over per event low.
 *
 * @author pgcdc
 */
final class EventBatch {

	private final Object[] items;

	private int size;

	private long bytes;

	EventBatch(int capacity) {
		this.items = new Object[capacity];
	}

	void add(Object item, int itemBytes) {
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

	Object get(int index) {
		return this.items[index];
	}

}
