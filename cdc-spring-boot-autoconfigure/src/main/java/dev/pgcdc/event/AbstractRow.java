package dev.pgcdc.event;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Base class for {@link Row} implementations that hold their columns by position.
 *
 * <p>Subclasses supply the column names, a name-to-position lookup and the value at a position;
 * conversion, mapping and the map view are shared.
 *
 * @author pgcdc
 */
public abstract class AbstractRow implements Row {

	private final ValueConverter converter;

	protected AbstractRow(ValueConverter converter) {
		this.converter = converter;
	}

	/**
	 * Return the converter this row uses for typed access, so that a copy of the row can convert alike.
	 * @return the converter
	 */
	public final ValueConverter converter() {
		return this.converter;
	}

	/**
	 * Return the position of a column, or -1 if the row has no such column.
	 * @param column the column name
	 * @return the zero-based position, or -1
	 */
	protected abstract int indexOf(String column);

	/**
	 * Return the decoded value at a position.
	 * @param index a position returned by {@link #indexOf(String)}
	 * @return the value or {@code null}
	 */
	protected abstract Object valueAt(int index);

	/**
	 * Return whether the value at a position is an unchanged TOAST value.
	 * @param index a position returned by {@link #indexOf(String)}
	 * @return whether it was not sent
	 */
	protected abstract boolean isUnchangedAt(int index);

	/**
	 * Return a description of where the row comes from, for error messages.
	 * @return for example {@code public.orders}
	 */
	protected abstract String source();

	@Override
	public Object get(String column) {
		return valueAt(requireIndex(column));
	}

	@Override
	public <T> T get(String column, Class<T> type) {
		Object value = get(column);
		if (value == null) {
			return null;
		}
		try {
			return this.converter.convert(value, type);
		}
		catch (RuntimeException ex) {
			throw new IllegalArgumentException("Column '" + column + "' of " + source() + " holds a "
					+ value.getClass().getSimpleName() + " that cannot be converted to " + type.getName(), ex);
		}
	}

	@Override
	public boolean contains(String column) {
		return indexOf(column) >= 0;
	}

	@Override
	public boolean isUnchanged(String column) {
		return isUnchangedAt(requireIndex(column));
	}

	@Override
	public Map<String, Object> toMap() {
		return new RowMap();
	}

	@Override
	public <T> T to(Class<T> type) {
		return RowMapper.forType(type).map(this, this.converter);
	}

	private int requireIndex(String column) {
		int index = indexOf(column);
		if (index < 0) {
			throw new IllegalArgumentException(
					"No column '" + column + "' in this image of " + source() + "; it has " + columns());
		}
		return index;
	}

	@Override
	public String toString() {
		return toMap().toString();
	}

	@Override
	public boolean equals(Object other) {
		return other instanceof Row row && toMap().equals(row.toMap());
	}

	@Override
	public int hashCode() {
		return toMap().hashCode();
	}

	/** A live, read-only, ordered map view of the row. */
	private final class RowMap extends AbstractMap<String, Object> {

		@Override
		public Set<Entry<String, Object>> entrySet() {
			List<String> names = columns();
			return new AbstractSet<>() {

				@Override
				public Iterator<Entry<String, Object>> iterator() {
					return new Iterator<>() {

						private int next;

						@Override
						public boolean hasNext() {
							return this.next < names.size();
						}

						@Override
						public Entry<String, Object> next() {
							if (!hasNext()) {
								throw new NoSuchElementException();
							}
							int index = this.next++;
							return new SimpleImmutableEntry<>(names.get(index), valueAt(index));
						}
					};
				}

				@Override
				public int size() {
					return names.size();
				}
			};
		}

		@Override
		public Object get(Object key) {
			int index = (key instanceof String name) ? indexOf(name) : -1;
			return (index >= 0) ? valueAt(index) : null;
		}

		@Override
		public boolean containsKey(Object key) {
			return key instanceof String name && indexOf(name) >= 0;
		}

	}

}
