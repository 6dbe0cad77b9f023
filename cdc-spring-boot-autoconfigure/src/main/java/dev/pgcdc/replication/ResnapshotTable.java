package dev.pgcdc.replication;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.pgcdc.event.Row;
import dev.pgcdc.event.TableId;
import dev.pgcdc.replication.types.ValueDecoders;

/**
 * A table as a re-snapshot reads it: its shape (as {@link SnapshotReader#schema} describes it, so rows equal
 * streamed rows) and the unique key it is read in chunks by: the replica identity index if the table has one
 * ({@code REPLICA IDENTITY USING INDEX}), else the primary key. Streamed changes carry those columns in
 * their old image, so a change can be matched against a chunk row by key.
 *
 * @author pgcdc
 */
final class ResnapshotTable {

	private final TableSchema schema;

	private final List<String> keyColumns;

	private final List<String> keyTypes;

	private final int[] keyPositions;

	private final String selectFirst;

	private final String selectAfter;

	private ResnapshotTable(TableSchema schema, List<String> keyColumns, List<String> keyTypes) {
		this.schema = schema;
		this.keyColumns = List.copyOf(keyColumns);
		this.keyTypes = List.copyOf(keyTypes);
		this.keyPositions = new int[keyColumns.size()];
		for (int i = 0; i < this.keyPositions.length; i++) {
			this.keyPositions[i] = schema.indexOf(keyColumns.get(i));
		}
		StringBuilder select = new StringBuilder("SELECT ");
		List<String> columns = schema.columns();
		for (int i = 0; i < columns.size(); i++) {
			select.append((i > 0) ? ", " : "").append(ReplicationSetup.quote(columns.get(i)));
		}
		select.append(" FROM ").append(schema.table().toSql());
		StringBuilder keys = new StringBuilder();
		StringBuilder parameters = new StringBuilder();
		for (int i = 0; i < keyColumns.size(); i++) {
			keys.append((i > 0) ? ", " : "").append(ReplicationSetup.quote(keyColumns.get(i)));
			parameters.append((i > 0) ? ", " : "").append("?::").append(keyTypes.get(i));
		}
		String order = " ORDER BY " + keys + " LIMIT ?";
		this.selectFirst = select + order;
		this.selectAfter = select + " WHERE (" + keys + ") > (" + parameters + ")" + order;
	}

	/**
	 * Describe a table from the catalog.
	 * @throws IllegalArgumentException if the table does not exist or has no key to read it in chunks by
	 */
	static ResnapshotTable describe(Connection connection, TableId table, ValueDecoders decoders) throws SQLException {
		TableSchema schema = SnapshotReader.schema(connection, table, decoders);
		if (schema.columns().isEmpty()) {
			throw new IllegalArgumentException("Cannot re-snapshot " + table + ": no such table (or it has no columns)");
		}
		List<String> names = new ArrayList<>();
		List<String> types = new ArrayList<>();
		String sql = "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_class c "
				+ "JOIN pg_index i ON i.indrelid = c.oid AND CASE WHEN c.relreplident = 'i' THEN i.indisreplident "
				+ "ELSE i.indisprimary END "
				+ "CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) "
				+ "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum "
				+ "WHERE c.oid = ?::regclass ORDER BY k.ord";
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, table.toSql());
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					names.add(rs.getString(1));
					types.add(rs.getString(2));
				}
			}
		}
		if (names.isEmpty()) {
			throw new IllegalArgumentException("Cannot re-snapshot " + table + " while streaming: it has no primary key "
					+ "(nor a REPLICA IDENTITY USING INDEX index), so it cannot be read in chunks, and snapshot rows "
					+ "could not be told apart from concurrent changes. Add a primary key, or reload it with a new slot "
					+ "and cdc.snapshot.mode=initial (full mode).");
		}
		for (String name : names) {
			if (schema.indexOf(name) < 0) {
				throw new IllegalArgumentException("Cannot re-snapshot " + table + ": key column '" + name
						+ "' is not published (a generated column)");
			}
		}
		return new ResnapshotTable(schema, names, types);
	}

	TableSchema schema() {
		return this.schema;
	}

	TableId table() {
		return this.schema.table();
	}

	List<String> keyColumns() {
		return this.keyColumns;
	}

	/**
	 * Prepare the select of the chunk after a key ({@code null}: the first chunk), in key order.
	 * @param lastKey the key values in text form, as {@link #keyText} gives them, or {@code null}
	 */
	PreparedStatement selectChunk(Connection connection, String[] lastKey, int rows) throws SQLException {
		PreparedStatement statement = connection.prepareStatement((lastKey != null) ? this.selectAfter : this.selectFirst);
		int index = 1;
		if (lastKey != null) {
			for (String value : lastKey) {
				statement.setString(index++, value);
			}
		}
		statement.setInt(index, rows);
		return statement;
	}

	/** Return the key of the current row of a chunk select in text form, for the state table. */
	String[] keyText(ResultSet rs) throws SQLException {
		String[] key = new String[this.keyPositions.length];
		for (int i = 0; i < key.length; i++) {
			key[i] = rs.getString(this.keyPositions[i] + 1);
		}
		return key;
	}

	/**
	 * Return the key of a row as comparable values, or {@code null} if the row does not carry every key
	 * column (an old image without them).
	 */
	List<Object> key(Row row) {
		if (row == null) {
			return null;
		}
		Object[] key = new Object[this.keyColumns.size()];
		for (int i = 0; i < key.length; i++) {
			String column = this.keyColumns.get(i);
			if (!row.contains(column)) {
				return null;
			}
			Object value = row.get(column);
			key[i] = (value instanceof byte[] bytes) ? ByteBuffer.wrap(bytes) : value;
		}
		return Arrays.asList(key);
	}

}
