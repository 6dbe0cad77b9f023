package dev.pgcdc.event;

import java.util.List;
import java.util.Map;

/**
 * The column values of one row image in a {@link ChangeEvent}.
 *
 * <p>Values are decoded to Java types by column type (int4 to {@code Integer}, numeric to
 * {@code BigDecimal}, timestamptz to {@code OffsetDateTime}, arrays to {@code List}, ...) and are
 * {@code null} for SQL {@code NULL}. A TOASTed value that an UPDATE did not touch is not sent by
 * PostgreSQL unless the table has {@code REPLICA IDENTITY FULL}: such a column reads as {@code null}
 * and reports {@link #isUnchanged(String) unchanged}. Asking for a column the row does not have
 * throws {@link IllegalArgumentException}.
 *
 * @author pgcdc
 */
public interface Row {

	/**
	 * Return the decoded value of a column.
	 * @param column the column name
	 * @return the value, or {@code null} for SQL NULL or an unchanged TOAST value
	 * @throws IllegalArgumentException if the row has no such column
	 */
	Object get(String column);

	/**
	 * Return the value of a column converted to {@code type}.
	 * @param column the column name
	 * @param type the type wanted
	 * @param <T> the type wanted
	 * @return the converted value, or {@code null} for SQL NULL
	 * @throws IllegalArgumentException if the row has no such column or the value does not convert
	 */
	<T> T get(String column, Class<T> type);

	/**
	 * Return whether this image carries the column at all (a key-only old image does not carry the
	 * other columns).
	 * @param column the column name
	 * @return whether the column is present
	 */
	boolean contains(String column);

	/**
	 * Return whether the column holds an unchanged TOAST value that PostgreSQL did not send.
	 * @param column the column name
	 * @return {@code true} if the value is unknown because it did not change
	 */
	boolean isUnchanged(String column);

	/**
	 * Return the column names, in table order.
	 * @return the column names of this image
	 */
	List<String> columns();

	/**
	 * Return the table's replica identity columns (usually the primary key), which identify the row.
	 * @return the key column names, empty when the table has none or the row was not read from a table
	 */
	default List<String> keyColumns() {
		return List.of();
	}

	/**
	 * Return the values by column name, in table order; unchanged TOAST values map to {@code null}.
	 * @return an unmodifiable map view of the row
	 */
	Map<String, Object> toMap();

	/**
	 * Map the row onto a record or JavaBean: {@code snake_case} columns fill {@code camelCase}
	 * components or properties, with type conversion; unknown columns are ignored and missing ones
	 * left {@code null}.
	 * @param type a record or a class with a no-argument constructor
	 * @param <T> the target type
	 * @return a new instance
	 */
	<T> T to(Class<T> type);

	/**
	 * Create a row from a map of values, for tests of listener code.
	 * @param values column values in the order to keep
	 * @return a row over a copy of the values
	 */
	static Row of(Map<String, ?> values) {
		return ValuesRow.of(values, ValueConverter.simple());
	}

}
