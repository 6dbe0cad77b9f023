package dev.pgcdc.replication;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Objects that records refer to by index. With a capacity, {@link #indexOf} returns -1 once full
 * and the caller writes the value inline instead.
 *
 * @param <T> the type of the objects
 * @author pgcdc
 */
final class SpillReferences<T> {

	private final Map<T, Integer> indexes;

	private final List<T> values = new ArrayList<>();

	private final int capacity;

	private T last;

	private int lastIndex;

	SpillReferences(boolean byIdentity, int capacity) {
		this.indexes = byIdentity ? new IdentityHashMap<>() : new HashMap<>();
		this.capacity = capacity;
	}

	int indexOf(T value) {
		if (value == this.last) {
			return this.lastIndex;
		}
		Integer index = this.indexes.get(value);
		if (index == null) {
			if (this.values.size() >= this.capacity) {
				return SpillCodec.NONE;
			}
			index = this.values.size();
			this.values.add(value);
			this.indexes.put(value, index);
		}
		this.last = value;
		this.lastIndex = index;
		return index;
	}

	T get(int index) {
		return this.values.get(index);
	}

}
