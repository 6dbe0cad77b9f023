package dev.pgcdc.replication;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.pgcdc.event.AbstractRow;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Row;
import dev.pgcdc.event.TableId;
import dev.pgcdc.event.ValueConverter;
import dev.pgcdc.event.ValuesRow;
import dev.pgcdc.pgoutput.TupleData;

/**
 * Serializes events. Schemas, converters, tables, commit data and column lists are shared by many
 * events, so they stay in memory in reference tables and records carry an index; the tables of
 * values that need not be shared objects are capped and fall back to writing the value inline.
 *
 * <p>One codec per spill file: the reference tables are filled by the writer and read by readers once
 * written, unguarded.
 *
 * @author pgcdc
 */
final class SpillCodec {

	private static final Operation[] OPERATIONS = Operation.values();

	static final int NONE = -1;

	private static final byte NO_ROW = 0;

	private static final byte TUPLE_ROW = 1;

	private static final byte GENERIC_ROW = 2;

	private static final int KEY_ONLY = 1;

	private static final int FALLBACK_BEFORE = 2;

	private static final int FALLBACK_INLINE = 4;

	private static final Object SERIALIZED_PLACEHOLDER = new Object();

	private static final int MAX_SHAPES = 1024;

	private final SpillReferences<TableSchema> schemas = new SpillReferences<>(true, Integer.MAX_VALUE);

	private final SpillReferences<ValueConverter> converters = new SpillReferences<>(true, Integer.MAX_VALUE);

	private final SpillReferences<TableId> tables = new SpillReferences<>(false, 4096);

	private final SpillReferences<Commit> commits = new SpillReferences<>(false, 1024);

	private final Map<List<List<String>>, Integer> shapeIndexes = new HashMap<>();

	private final List<ValuesRow.Layout> shapes = new ArrayList<>();

	private final SpillValueCodec values = new SpillValueCodec();

	private Commit lastCommit;

	private int lastCommitIndex = NONE;

	void write(ChangeEvent event, SpillOutput out) {
		out.writeByte(event.operation().ordinal());
		writeCommit(event, out);
		int table = this.tables.indexOf(event.table());
		out.writeInt(table);
		if (table == NONE) {
			out.writeString(event.table().schema());
			out.writeString(event.table().name());
		}
		out.writeLong(event.lsn().value());
		writeRow(event.before(), null, out);
		writeRow(event.after(), event.before(), out);
	}

	private void writeCommit(ChangeEvent event, SpillOutput out) {
		Commit last = this.lastCommit;
		if (last == null || last.xid() != event.xid() || !last.commitLsn().equals(event.commitLsn())
				|| !last.commitTime().equals(event.commitTime())) {
			last = new Commit(event.commitLsn(), event.xid(), event.commitTime());
			this.lastCommit = last;
			this.lastCommitIndex = this.commits.indexOf(last);
		}
		out.writeInt(this.lastCommitIndex);
		if (this.lastCommitIndex == NONE) {
			out.writeLong(last.commitLsn().value());
			out.writeLong(last.xid());
			out.writeLong(last.commitTime().getEpochSecond());
			out.writeInt(last.commitTime().getNano());
		}
	}

	private void writeRow(Row row, Row before, SpillOutput out) {
		if (row == null) {
			out.writeByte(NO_ROW);
		}
		else if (row instanceof TupleRow tupleRow) {
			out.writeByte(TUPLE_ROW);
			writeTupleRow(tupleRow, before, out);
		}
		else {
			out.writeByte(GENERIC_ROW);
			writeGenericRow(row, out);
		}
	}

	private void writeTupleRow(TupleRow row, Row before, SpillOutput out) {
		out.writeInt(this.schemas.indexOf(row.schema()));
		out.writeInt(this.converters.indexOf(converter(row)));
		TupleRow fallback = row.fallback();
		int flags = row.keyOnly() ? KEY_ONLY : 0;
		if (fallback != null) {
			flags |= (fallback == before) ? FALLBACK_BEFORE : FALLBACK_INLINE;
		}
		out.writeByte(flags);
		TupleData tuple = row.tuple();
		int count = tuple.columnCount();
		out.writeInt(count);
		for (int i = 0; i < count; i++) {
			out.writeByte(tuple.kind(i));
		}
		for (int i = 0; i < count; i++) {
			if (hasValue(tuple.kind(i))) {
				out.writeInt(tuple.length(i));
			}
		}
		byte[] buffer = tuple.buffer();
		for (int i = 0; i < count; i++) {
			if (hasValue(tuple.kind(i))) {
				out.writeBytes(buffer, tuple.offset(i), tuple.length(i));
			}
		}
		if ((flags & FALLBACK_INLINE) != 0) {
			writeTupleRow(fallback, before, out);
		}
	}

	private void writeGenericRow(Row row, SpillOutput out) {
		out.writeInt(this.converters.indexOf(converter(row)));
		List<String> columns = row.columns();
		List<String> keyColumns = row.keyColumns();
		Integer shape = this.shapeIndexes.get(List.of(columns, keyColumns));
		if (shape == null && this.shapes.size() < MAX_SHAPES) {
			shape = this.shapes.size();
			ValuesRow.Layout added = ValuesRow.Layout.of(columns, keyColumns);
			this.shapes.add(added);
			this.shapeIndexes.put(List.of(added.columns(), added.keyColumns()), shape);
		}
		out.writeInt((shape != null) ? shape : NONE);
		if (shape == null) {
			writeStrings(columns, out);
			writeStrings(keyColumns, out);
		}
		boolean anyUnchanged = false;
		for (String column : columns) {
			anyUnchanged |= row.isUnchanged(column);
		}
		out.writeByte(anyUnchanged ? 1 : 0);
		if (anyUnchanged) {
			for (String column : columns) {
				out.writeByte(row.isUnchanged(column) ? 1 : 0);
			}
		}
		this.values.startRow();
		for (String column : columns) {
			this.values.write(column, row.get(column), out);
		}
		if (this.values.anySerialized()) {
			byte[] serialized = this.values.serialize();
			out.writeInt(serialized.length);
			out.writeBytes(serialized, 0, serialized.length);
		}
	}

	private static void writeStrings(List<String> strings, SpillOutput out) {
		out.writeInt(strings.size());
		for (String string : strings) {
			out.writeString(string);
		}
	}

	private static List<String> readStrings(SpillInput in) {
		int count = in.readInt();
		List<String> strings = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			strings.add(in.readString());
		}
		return strings;
	}

	/** One stream for all the row's other values: its header and class descriptors come once. */
	ChangeEvent read(SpillInput in) {
		in.startRecord();
		Operation operation = OPERATIONS[in.readByte()];
		int commitIndex = in.readInt();
		Commit commit = (commitIndex != NONE) ? this.commits.get(commitIndex)
				: new Commit(new Lsn(in.readLong()), in.readLong(),
						Instant.ofEpochSecond(in.readLong(), in.readInt()));
		int tableIndex = in.readInt();
		TableId table = (tableIndex != NONE) ? this.tables.get(tableIndex)
				: new TableId(in.readString(), in.readString());
		long lsnValue = in.readLong();
		Lsn lsn = (lsnValue == commit.commitLsn().value()) ? commit.commitLsn() : new Lsn(lsnValue);
		Row before = readRow(in, table, null);
		Row after = readRow(in, table, before);
		return new ChangeEvent(operation, table, before, after, lsn, commit.commitLsn(), commit.xid(),
				commit.commitTime());
	}

	private Row readRow(SpillInput in, TableId table, Row before) {
		byte tag = in.readByte();
		return switch (tag) {
			case NO_ROW -> null;
			case TUPLE_ROW -> readTupleRow(in, before);
			case GENERIC_ROW -> readGenericRow(in, table);
			default -> throw corrupt("row tag " + tag);
		};
	}

	private TupleRow readTupleRow(SpillInput in, Row before) {
		TableSchema schema = this.schemas.get(in.readInt());
		ValueConverter converter = this.converters.get(in.readInt());
		int flags = in.readByte();
		int count = in.readInt();
		byte[] kinds = in.readBytes(count);
		int[] offsets = new int[count];
		int[] lengths = new int[count];
		int total = 0;
		for (int i = 0; i < count; i++) {
			if (hasValue(kinds[i])) {
				lengths[i] = in.readInt();
				offsets[i] = total;
				total += lengths[i];
			}
		}
		// a compact copy: the original message buffer also held the other columns and messages
		TupleData tuple = new TupleData(in.readBytes(total), kinds, offsets, lengths);
		TupleRow fallback = null;
		if ((flags & FALLBACK_BEFORE) != 0) {
			if (!(before instanceof TupleRow beforeRow)) {
				throw corrupt("a new image refers to an old image that is not a tuple");
			}
			fallback = beforeRow;
		}
		else if ((flags & FALLBACK_INLINE) != 0) {
			fallback = readTupleRow(in, before);
		}
		return new TupleRow(schema, tuple, (flags & KEY_ONLY) != 0, fallback, converter);
	}

	private ValuesRow readGenericRow(SpillInput in, TableId table) {
		ValueConverter converter = this.converters.get(in.readInt());
		int shapeIndex = in.readInt();
		ValuesRow.Layout shape;
		if (shapeIndex != NONE) {
			shape = this.shapes.get(shapeIndex);
		}
		else {
			shape = ValuesRow.Layout.of(readStrings(in), readStrings(in));
		}
		int count = shape.columns().size();
		boolean[] unchanged = null;
		if (in.readByte() != 0) {
			unchanged = new boolean[count];
			for (int i = 0; i < count; i++) {
				unchanged[i] = in.readByte() != 0;
			}
		}
		Object[] values = new Object[count];
		boolean anySerialized = false;
		for (int i = 0; i < count; i++) {
			byte tag = in.readByte();
			if (tag == SpillValueCodec.SERIALIZED) {
				// filled in below, from the stream that follows the row's other values
				values[i] = SERIALIZED_PLACEHOLDER;
				anySerialized = true;
			}
			else {
				values[i] = SpillValueCodec.read(tag, in);
			}
		}
		if (anySerialized) {
			int length = in.readInt();
			byte[] serialized = in.readBytes(length);
			try (ObjectInputStream objects = new ObjectInputStream(new ByteArrayInputStream(serialized))) {
				for (int i = 0; i < count; i++) {
					if (values[i] == SERIALIZED_PLACEHOLDER) {
						values[i] = objects.readObject();
					}
				}
			}
			catch (IOException | ClassNotFoundException ex) {
				throw new IllegalStateException("Cannot read back a spilled row of " + table, ex);
			}
		}
		return new ValuesRow(shape, values, unchanged, table.toString(), converter);
	}

	private static ValueConverter converter(Row row) {
		return (row instanceof AbstractRow abstractRow) ? abstractRow.converter() : ValueConverter.simple();
	}

	private static boolean hasValue(byte kind) {
		return kind == TupleData.TEXT || kind == TupleData.BINARY;
	}

	private static IllegalStateException corrupt(String what) {
		return new IllegalStateException("A spilled transaction file is corrupt: unexpected " + what);
	}

	private record Commit(Lsn commitLsn, long xid, Instant commitTime) {
	}

}
