package dev.pgcdc.replication;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableId;
import dev.pgcdc.event.ValueConverter;
import dev.pgcdc.pgoutput.PgOutputMessage.Column;
import dev.pgcdc.pgoutput.PgOutputMessage.Relation;
import dev.pgcdc.pgoutput.TupleData;
import dev.pgcdc.replication.types.ValueDecoders;

/**
 * Reads every row of the published tables inside an exported snapshot and turns each into a
 * {@link Operation#SNAPSHOT} event.
 *
 * <p>Rows are read in text format, exactly as {@code pgoutput} sends them, and become the same lazy rows
 * as streamed changes, so a snapshot row and a streamed row of the same data are equal. Tables are read
 * with a cursor, so memory stays bounded whatever their size.
 *
 * @author pgcdc
 */
final class SnapshotReader {

	/** Rows of a snapshot delivered as one pseudo-transaction, so that consumers make progress. */
	static final int CHUNK_ROWS = 1_000;

	private final ValueDecoders decoders;

	private final ValueConverter converter;

	private final int fetchSize;

	private final java.util.function.Predicate<TableId> internal;

	SnapshotReader(ValueDecoders decoders, ValueConverter converter, int fetchSize,
			java.util.function.Predicate<TableId> internal) {
		this.decoders = decoders;
		this.converter = converter;
		this.fetchSize = fetchSize;
		this.internal = internal;
	}

	/**
	 * Read every table of a publication as of an exported snapshot.
	 * @param connection a plain connection, not in auto-commit mode, opened without binary transfer
	 * @param snapshotName the exported snapshot
	 * @param publication the publication whose tables to read
	 * @param consistentPoint the slot's consistent point: where streaming continues
	 * @param sink where rows go
	 * @param progress where progress is recorded
	 */
	void read(Connection connection, String snapshotName, String publication, Lsn consistentPoint, Sink sink,
			SnapshotProgress progress) throws SQLException, InterruptedException {
		try (Statement statement = connection.createStatement()) {
			statement.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
			statement.execute("SET TRANSACTION SNAPSHOT '" + snapshotName.replace("'", "''") + "'");
		}
		Instant snapshotTime = Instant.now();
		for (TableId table : publishedTables(connection, publication)) {
			if (this.internal.test(table)) {
				continue;
			}
			TableSchema schema = schema(connection, table, this.decoders);
			SnapshotProgress.Table tableProgress = progress.start(table, estimatedRows(connection, table));
			readTable(connection, schema, consistentPoint, snapshotTime, sink, tableProgress);
			tableProgress.finish();
		}
		connection.commit();
		progress.finish();
	}

	private void readTable(Connection connection, TableSchema schema, Lsn consistentPoint, Instant snapshotTime,
			Sink sink, SnapshotProgress.Table progress) throws SQLException, InterruptedException {
		List<String> columns = schema.columns();
		StringBuilder sql = new StringBuilder("SELECT ");
		for (int i = 0; i < columns.size(); i++) {
			sql.append((i > 0) ? ", " : "").append(ReplicationSetup.quote(columns.get(i)));
		}
		sql.append(" FROM ").append(schema.table().toSql());
		int inChunk = 0;
		try (PreparedStatement statement = connection.prepareStatement(sql.toString())) {
			statement.setFetchSize(this.fetchSize);
			try (ResultSet rs = statement.executeQuery()) {
				boolean[] bytea = byteaColumns(rs.getMetaData());
				while (rs.next()) {
					TupleRow row = new TupleRow(schema, tuple(rs, columns.size(), bytea), false, null, this.converter);
					ChangeEvent event = new ChangeEvent(Operation.SNAPSHOT, schema.table(), null, row, consistentPoint,
							consistentPoint, 0, snapshotTime);
					sink.row(event, row.size());
					progress.rowRead();
					if (++inChunk == CHUNK_ROWS) {
						sink.chunkDone();
						inChunk = 0;
					}
				}
			}
		}
		if (inChunk > 0) {
			sink.chunkDone();
		}
	}

	/**
	 * Packs a row's text values into one buffer, as a pgoutput tuple holds them. Text comes raw from the
	 * driver, except bytea, which the driver would decode: its text form is asked for instead.
	 */
	static TupleData tuple(ResultSet rs, int count, boolean[] bytea) throws SQLException {
		byte[][] values = new byte[count][];
		int total = 0;
		for (int i = 0; i < count; i++) {
			byte[] value = bytea[i] ? textOf(rs.getString(i + 1)) : rs.getBytes(i + 1);
			values[i] = value;
			total += (value != null) ? value.length : 0;
		}
		byte[] buffer = new byte[total];
		byte[] kinds = new byte[count];
		int[] offsets = new int[count];
		int[] lengths = new int[count];
		int position = 0;
		for (int i = 0; i < count; i++) {
			byte[] value = values[i];
			if (value == null) {
				kinds[i] = TupleData.NULL;
				continue;
			}
			kinds[i] = TupleData.TEXT;
			offsets[i] = position;
			lengths[i] = value.length;
			System.arraycopy(value, 0, buffer, position, value.length);
			position += value.length;
		}
		return new TupleData(buffer, kinds, offsets, lengths);
	}

	private static byte[] textOf(String value) {
		return (value != null) ? value.getBytes(StandardCharsets.UTF_8) : null;
	}

	private static List<TableId> publishedTables(Connection connection, String publication) throws SQLException {
		List<TableId> tables = new ArrayList<>();
		try (PreparedStatement statement = connection.prepareStatement(
				"SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = ? ORDER BY 1, 2")) {
			statement.setString(1, publication);
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					tables.add(new TableId(rs.getString(1), rs.getString(2)));
				}
			}
		}
		return tables;
	}

	/**
	 * Describes the table as a Relation message would: the columns pgoutput sends (not dropped, not
	 * generated), with the replica identity columns flagged as key (all of them under REPLICA IDENTITY FULL).
	 * Shared with the re-snapshot reader.
	 */
	static TableSchema schema(Connection connection, TableId table, ValueDecoders decoders) throws SQLException {
		String sql = "SELECT c.oid, c.relreplident, a.attname, a.atttypid, a.atttypmod, "
				+ "(c.relreplident = 'f' OR a.attnum = ANY (i.indkey)) AS key "
				+ "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
				+ "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' "
				+ "LEFT JOIN pg_index i ON i.indrelid = c.oid AND ((c.relreplident = 'i' AND i.indisreplident) "
				+ "OR (c.relreplident = 'd' AND i.indisprimary)) "
				+ "WHERE n.nspname = ? AND c.relname = ? ORDER BY a.attnum";
		int oid = 0;
		char identity = 'd';
		List<Column> columns = new ArrayList<>();
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, table.schema());
			statement.setString(2, table.name());
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					oid = (int) rs.getLong(1);
					identity = rs.getString(2).charAt(0);
					columns.add(new Column(rs.getBoolean(6), rs.getString(3), (int) rs.getLong(4), rs.getInt(5)));
				}
			}
		}
		return new TableSchema(new Relation(0, oid, table.schema(), table.name(), identity, columns), decoders);
	}

	/** bytea (and domains over it) is the one type the driver decodes rather than handing over as text. */
	static boolean[] byteaColumns(ResultSetMetaData metaData) throws SQLException {
		boolean[] bytea = new boolean[metaData.getColumnCount()];
		for (int i = 0; i < bytea.length; i++) {
			bytea[i] = metaData.getColumnType(i + 1) == Types.BINARY;
		}
		return bytea;
	}

	static long estimatedRows(Connection connection, TableId table) throws SQLException {
		try (PreparedStatement statement = connection
			.prepareStatement("SELECT reltuples::bigint FROM pg_class WHERE oid = ?::regclass")) {
			statement.setString(1, table.toSql());
			try (ResultSet rs = statement.executeQuery()) {
				return rs.next() ? rs.getLong(1) : -1;
			}
		}
	}

	/**
	 * Where snapshot rows go.
	 */
	interface Sink {

		void row(ChangeEvent event, int bytes) throws SQLException, InterruptedException;

		void chunkDone() throws SQLException, InterruptedException;

	}

}
