package dev.pgcdc.event;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Row} over a fixed map of values, for tests and for rows built outside the WAL decoder.
 */
final class MapRow extends AbstractRow {

	private final List<String> columns;

	private final Map<String, Integer> positions;

	private final Object[] values;

	MapRow(Map<String, ?> values, ValueConverter converter) {
		super(converter);
		this.columns = Collections.unmodifiableList(new ArrayList<>(values.keySet()));
		this.positions = new HashMap<>();
		this.values = new Object[this.columns.size()];
		int index = 0;
		for (Map.Entry<String, ?> entry : values.entrySet()) {
			this.positions.put(entry.getKey(), index);
			this.values[index++] = entry.getValue();
		}
	}

	@Override
	public List<String> columns() {
		return this.columns;
	}

	@Override
	protected int indexOf(String column) {
		Integer index = this.positions.get(column);
		return (index != null) ? index : -1;
	}

	@Override
	protected Object valueAt(int index) {
		return this.values[index];
	}

	@Override
	protected boolean isUnchangedAt(int index) {
		return false;
	}

	@Override
	protected String source() {
		return "a map row";
	}

}
