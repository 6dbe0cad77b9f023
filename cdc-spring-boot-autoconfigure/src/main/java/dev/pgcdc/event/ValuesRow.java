package dev.pgcdc.event;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Row} over values already decoded: rows built by tests, read back from a dead letter or from a
 * spilled transaction.
 *
 * <p>The column layout can be shared by many rows of one table ({@link Layout}); {@code byte[]} values
 * are copied on every read, so a caller that modifies one does not change the row.
 *
 * @author pgcdc
 */
public final class ValuesRow extends AbstractRow {

	private final Layout layout;

	private final Object[] values;

	private final boolean[] unchanged;

	private final String source;

	/**
	 * Create a row.
	 * @param layout the column names and key columns
	 * @param values the values, by column position
	 * @param unchanged which values are unchanged TOAST values, or {@code null} for none
	 * @param source where the row comes from, for error messages (for example {@code public.orders})
	 * @param converter the converter for typed access
	 */
	public ValuesRow(Layout layout, Object[] values, boolean[] unchanged, String source, ValueConverter converter) {
		super(converter);
		if (values.length != layout.columns.size()) {
			throw new IllegalArgumentException(
					"A row of " + layout.columns.size() + " columns needs as many values, got " + values.length);
		}
		this.layout = layout;
		this.values = values;
		this.unchanged = unchanged;
		this.source = source;
	}

	/**
	 * Create a row from a map of values, keeping the map's order.
	 * @param values the values by column
	 * @param converter the converter for typed access
	 * @return the row
	 */
	public static ValuesRow of(Map<String, ?> values, ValueConverter converter) {
		Map<String, ?> ordered = new LinkedHashMap<>(values);
		return new ValuesRow(Layout.of(List.copyOf(ordered.keySet()), List.of()), ordered.values().toArray(), null,
				"a map row", converter);
	}

	@Override
	public List<String> columns() {
		return this.layout.columns;
	}

	@Override
	public List<String> keyColumns() {
		return this.layout.keyColumns;
	}

	@Override
	protected int indexOf(String column) {
		Integer index = this.layout.positions.get(column);
		return (index != null) ? index : -1;
	}

	@Override
	protected Object valueAt(int index) {
		Object value = this.values[index];
		return (value instanceof byte[] bytes) ? bytes.clone() : value;
	}

	@Override
	protected boolean isUnchangedAt(int index) {
		return this.unchanged != null && this.unchanged[index];
	}

	@Override
	protected String source() {
		return this.source;
	}

	/**
	 * The column names and key columns of a row, shareable by every row of the same shape.
	 */
	public static final class Layout {

		private final List<String> columns;

		private final List<String> keyColumns;

		private final Map<String, Integer> positions;

		private Layout(List<String> columns, List<String> keyColumns) {
			this.columns = Collections.unmodifiableList(columns);
			this.keyColumns = Collections.unmodifiableList(keyColumns);
			this.positions = new HashMap<>(columns.size() * 2);
			for (int i = 0; i < columns.size(); i++) {
				this.positions.putIfAbsent(columns.get(i), i);
			}
		}

		/**
		 * Create a layout.
		 * @param columns the column names, in order
		 * @param keyColumns the key column names
		 * @return the layout
		 */
		public static Layout of(List<String> columns, List<String> keyColumns) {
			return new Layout(List.copyOf(columns), List.copyOf(keyColumns));
		}

		public List<String> columns() {
			return this.columns;
		}

		public List<String> keyColumns() {
			return this.keyColumns;
		}

	}

}
