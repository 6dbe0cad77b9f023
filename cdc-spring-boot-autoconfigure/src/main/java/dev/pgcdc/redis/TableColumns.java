package dev.pgcdc.redis;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import dev.pgcdc.event.TableId;

/**
 * What start-up validation knows of a mapped table: its columns, the columns of its replica identity
 * (what a DELETE's old image carries) and whether that identity is {@code FULL}.
 *
 * <p>Under {@code REPLICA IDENTITY FULL} PostgreSQL flags every column as part of the identity; the key
 * columns here are then the primary key's, which is what {@code {%pk%}} means to a user.
 *
 * @param table the table
 * @param columns the column names in table order
 * @param keyColumns the replica identity columns, usually the primary key (the primary key under FULL)
 * @param fullIdentity whether the table has {@code REPLICA IDENTITY FULL}
 * @author pgcdc
 */
record TableColumns(TableId table, List<String> columns, List<String> keyColumns, boolean fullIdentity) {

	private static final String COLUMNS = "SELECT a.attname, c.relreplident FROM pg_attribute a "
			+ "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
			+ "WHERE n.nspname = ? AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

	private static final String KEY = "SELECT a.attname FROM pg_index i "
			+ "JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
			+ "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
			+ "WHERE n.nspname = ? AND c.relname = ? "
			+ "AND ((c.relreplident IN ('d', 'f') AND i.indisprimary) OR (c.relreplident = 'i' AND i.indisreplident)) "
			+ "ORDER BY array_position(i.indkey::int2[], a.attnum)";

	/**
	 * Read a table's columns.
	 * @param dataSource the captured database
	 * @param table the table
	 * @return the columns, or {@code null} if the table does not exist
	 */
	static TableColumns load(DataSource dataSource, TableId table) {
		try (Connection connection = dataSource.getConnection()) {
			List<String> columns = new ArrayList<>();
			boolean[] full = new boolean[1];
			query(connection, COLUMNS, table, (rs) -> {
				columns.add(rs.getString(1));
				full[0] = "f".equals(rs.getString(2));
			});
			if (columns.isEmpty()) {
				return null;
			}
			List<String> key = new ArrayList<>();
			query(connection, KEY, table, (rs) -> key.add(rs.getString(1)));
			return new TableColumns(table, List.copyOf(columns), List.copyOf(key), full[0]);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not read the columns of " + table + " to check its Redis mapping: "
					+ ex.getMessage(), ex);
		}
	}

	private static void query(Connection connection, String sql, TableId table, RowHandler handler) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, table.schema());
			statement.setString(2, table.name());
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					handler.row(rs);
				}
			}
		}
	}

	/** Takes one row of a catalog query. */
	@FunctionalInterface
	private interface RowHandler {

		void row(ResultSet rs) throws SQLException;

	}

	/**
	 * Return whether the old image of an UPDATE or DELETE carries a column.
	 * @param column the column
	 * @return whether it is a key column or the identity is FULL
	 */
	boolean inOldImage(String column) {
		return this.fullIdentity || this.keyColumns.contains(column);
	}

}
