package dev.pgcdc.listener.support;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.pgcdc.event.AbstractRow;
import dev.pgcdc.event.ValueConverter;

/**
 * A row image read back from the dead-letter table: the column names, key columns, values and
 * unchanged-TOAST flags exactly as they were stored. Each read of a dead letter decodes new rows, so
 * nothing a listener does to a returned {@code byte[]} reaches the next replay.
 *
 * @author pgcdc
 */
final class DeadLetterRow extends AbstractRow {

	private final String source;

	private final List<String> columns;

	private final List<String> keyColumns;

	private final Object[] values;

	private final boolean[] unchanged;

	private final Map<String, Integer> positions;

	DeadLetterRow(String source, List<String> columns, List<String> keyColumns, Object[] values, boolean[] unchanged,
			ValueConverter converter) {
		super(converter);
		this.source = source;
		this.columns = Collections.unmodifiableList(columns);
		this.keyColumns = Collections.unmodifiableList(keyColumns);
		this.values = values;
		this.unchanged = unchanged;
		this.positions = new HashMap<>(columns.size() * 2);
		for (int i = 0; i < columns.size(); i++) {
			this.positions.putIfAbsent(columns.get(i), i);
		}
	}

	@Override
	public List<String> columns() {
		return this.columns;
	}

	@Override
	public List<String> keyColumns() {
		return this.keyColumns;
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
		return this.unchanged[index];
	}

	@Override
	protected String source() {
		return this.source;
	}

}
