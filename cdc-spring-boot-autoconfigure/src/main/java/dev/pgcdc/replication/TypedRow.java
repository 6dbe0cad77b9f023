package dev.pgcdc.replication;

/**
 * A row that knows the PostgreSQL type of each column as the table's Relation message (or, for a
 * snapshot row, the catalog) described it: the type OID and the type modifier ({@code atttypmod}),
 * which carries a numeric's precision and scale and a time's fractional-second precision.
 *
 * <p>Rows read from the replication stream implement it; rows built from maps do not. Read-only, for
 * sinks that encode values by column type (the Debezium stream format).
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

}
