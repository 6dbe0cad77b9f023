package dev.pgcdc.replication;

import dev.pgcdc.replication.types.TextForm;

/**
 * A row that knows the PostgreSQL type of each column as the table's Relation message (or, for a
 * snapshot row, the catalog) described it: the type OID and the type modifier ({@code atttypmod}),
 * which carries a numeric's precision and scale and a time's fractional-second precision.
 *
 * <p>Rows read from the replication stream implement it; rows built from maps do not. Read-only, for
 * sinks that encode values by column type (the Debezium stream format) and for sinks that write values as
 * text: {@link #textLength(int)} and its companions give the bytes PostgreSQL sent, without decoding them.
 *
 * @author pgcdc
 */
public interface TypedRow {

	/**
	 * Return the type OID of a column.
	 * @param column the column name
	 * @return the OID, or 0 if the table has no such column
	 */
	int typeOid(String column);

	/**
	 * Return the type modifier of a column: for {@code numeric(p,s)} {@code ((p << 16) | s) + 4}, for
	 * {@code time(p)}, {@code timestamp(p)} and their zoned forms {@code p}.
	 * @param column the column name
	 * @return the modifier, or -1 when the column type has none (or the table has no such column)
	 */
	int typeModifier(String column);

	/**
	 * Return the position of a column, for the methods below.
	 * @param column the column name
	 * @return its position in the row's columns, or -1 if the row has no such column
	 */
	default int columnIndex(String column) {
		return -1;
	}

	/**
	 * Return whether the value at a position is an unchanged TOAST value PostgreSQL did not send (and no
	 * old image supplied), as {@link dev.pgcdc.event.Row#isUnchanged(String)} by name.
	 * @param index the column's position
	 * @return whether the value is unchanged and unknown
	 */
	default boolean unchangedAt(int index) {
		return false;
	}

	/**
	 * Return how the text sent for the column at a position relates to its decoded value's text.
	 * @param index the position in {@link dev.pgcdc.event.Row#toMap() the row's columns}
	 * @return the form; {@link TextForm#OTHER} when the row cannot tell
	 */
	default TextForm textForm(int index) {
		return TextForm.OTHER;
	}

	/**
	 * Return the buffer the sent text of the row's values lies in; read it with {@link #textOffset(int)}
	 * and {@link #textLength(int)}, never modify it.
	 * @return the buffer, or {@code null} when the row has none
	 */
	default byte[] textBuffer() {
		return null;
	}

	/**
	 * Return where the sent text of a value starts in {@link #textBuffer()}.
	 * @param index the column's position
	 * @return the offset
	 */
	default int textOffset(int index) {
		return 0;
	}

	/**
	 * Return the length of the text PostgreSQL sent for a value.
	 * @param index the column's position
	 * @return the length in bytes, or -1 when there is no such text: SQL {@code NULL}, an unchanged TOAST
	 * value, a value in binary format, or a row that does not keep the bytes (read the value then)
	 */
	default int textLength(int index) {
		return -1;
	}

}
