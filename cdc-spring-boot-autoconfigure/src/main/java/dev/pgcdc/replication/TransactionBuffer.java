package dev.pgcdc.replication;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.UUID;
import java.util.function.Consumer;

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
 * Collects the changes of one transaction for a {@link dev.pgcdc.event.TransactionEvent}, holding the
 * first {@code memoryLimit} of them in memory and appending the rest to a temporary file, so that a
 * transaction of any size takes a bounded amount of heap.
 *
 * <p>The list from {@link #toList()} outlives the buffer, because a consumer may keep the transaction:
 * {@link #close()} only releases file handles, and the file is deleted once the list is unreachable (at
 * JVM exit at the latest).
 *
 * @author pgcdc
 */
public final class TransactionBuffer implements AutoCloseable {

	private static final Cleaner CLEANER = Cleaner.create();

	private static final String FILE_PREFIX = "pgcdc-tx-";

	private static final int CHUNK = 64 * 1024;

	// a buffer grown for one huge record is not kept beyond this
	private static final int MAX_RETAINED = 4 * CHUNK;

	private static final int MAX_ARRAY = Integer.MAX_VALUE - 16;

	private static final VarHandle INT_VIEW = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

	private static final VarHandle LONG_VIEW = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

	private final Events events;

	/**
	 * Create an empty buffer.
	 * @param memoryLimit how many changes to hold in memory before spilling to disk, 0 to spill all
	 * @param spillDirectory where to create the spill file, {@code null} for {@code java.io.tmpdir}
	 */
	/** Events of one transaction kept in memory before the rest goes to a file. */
	public static final int DEFAULT_MEMORY_LIMIT = 10_000;

	public TransactionBuffer(int memoryLimit, Path spillDirectory) {
		if (memoryLimit < 0) {
			throw new IllegalArgumentException("memoryLimit must not be negative, was " + memoryLimit);
		}
		Path directory = (spillDirectory != null) ? spillDirectory : Path.of(System.getProperty("java.io.tmpdir"));
		this.events = new Events(memoryLimit, directory);
	}

	/**
	 * Append a change.
	 * @param event the next change of the transaction
	 * @throws IllegalStateException if the buffer was closed
	 * @throws IllegalArgumentException if a spilled row holds a value that cannot be serialized
	 * @throws UncheckedIOException if the spill file cannot be written
	 */
	public void add(ChangeEvent event) {
		this.events.append(event);
	}

	/**
	 * Return the changes added so far, in order.
	 * @return an unmodifiable view that stays readable after {@link #close()}
	 */
	public List<ChangeEvent> toList() {
		return this.events;
	}

	/**
	 * Stop accepting changes and release the file handles; the list stays readable.
	 */
	@Override
	public void close() {
		this.events.close();
	}

	/** Return how many changes are held in memory. */
	int inMemory() {
		return this.events.inMemory();
	}

	/** Return the spill file, or {@code null} while everything fits in memory. */
	Path spillFile() {
		return this.events.spillFile();
	}

	/**
	 * The list view and all state behind it. The buffer only delegates here, so the file's Cleaner is
	 * registered on this object: it becomes unreachable only when the buffer, the list and every
	 * iterator over it are. Changes are appended by one thread; other threads may read once it is done,
	 * as the reference tables of the codec are not guarded.
	 */
	private static final class Events extends AbstractList<ChangeEvent> {

		private final int memoryLimit;

		private final Path directory;

		private final List<ChangeEvent> memory = new ArrayList<>();

		private final Codec codec = new Codec();

		private int size;

		private Spill spill;

		// the spilled index the shared cursor of get(int) reads next
		private int cursorIndex;

		private boolean closed;

		Events(int memoryLimit, Path directory) {
			this.memoryLimit = memoryLimit;
			this.directory = directory;
		}

		synchronized void append(ChangeEvent event) {
			Objects.requireNonNull(event, "event must not be null");
			if (this.closed) {
				throw new IllegalStateException("The transaction buffer is closed");
			}
			if (this.memory.size() < this.memoryLimit) {
				this.memory.add(event);
				this.size++;
				return;
			}
			if (this.spill == null) {
				this.spill = Spill.create(this.directory, this.memoryLimit);
				CLEANER.register(this, this.spill);
			}
			Output output = this.spill.output;
			output.startRecord();
			try {
				this.codec.write(event, output);
			}
			catch (RuntimeException | Error ex) {
				// leaves the file as it was, so the buffer stays usable if the caller goes on
				output.abandonRecord();
				throw ex;
			}
			try {
				output.endRecord();
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Could not write to " + this.spill.file, ex);
			}
			this.size++;
		}

		synchronized void close() {
			if (this.closed) {
				return;
			}
			this.closed = true;
			if (this.spill != null) {
				try {
					flush();
				}
				finally {
					this.spill.release();
				}
			}
		}

		synchronized int inMemory() {
			return this.memory.size();
		}

		synchronized Path spillFile() {
			return (this.spill != null) ? this.spill.file : null;
		}

		@Override
		public synchronized int size() {
			return this.size;
		}

		@Override
		public synchronized ChangeEvent get(int index) {
			Objects.checkIndex(index, this.size);
			if (index < this.memory.size()) {
				return this.memory.get(index);
			}
			try {
				return readSpilled(index - this.memory.size());
			}
			finally {
				Reference.reachabilityFence(this);
			}
		}

		private ChangeEvent readSpilled(int spilledIndex) {
			flush();
			try {
				Input cursor = this.spill.cursor;
				if (cursor == null || spilledIndex < this.cursorIndex) {
					if (cursor == null) {
						cursor = open();
						this.spill.cursor = cursor;
					}
					else {
						cursor.rewind();
					}
					this.cursorIndex = 0;
				}
				for (; this.cursorIndex < spilledIndex; this.cursorIndex++) {
					cursor.skipRecord();
				}
				ChangeEvent event = this.codec.read(cursor);
				this.cursorIndex++;
				return event;
			}
			catch (RuntimeException ex) {
				// the cursor may be mid-record; the next get starts afresh
				this.spill.closeCursor();
				throw ex;
			}
		}

		@Override
		public Iterator<ChangeEvent> iterator() {
			return new EventIterator();
		}

		@Override
		public Spliterator<ChangeEvent> spliterator() {
			return new EventSpliterator(iterator(), size());
		}

		private void flush() {
			Output output = (this.spill != null) ? this.spill.output : null;
			if (output != null) {
				try {
					output.flush();
				}
				catch (IOException ex) {
					throw new UncheckedIOException("Could not write to " + this.spill.file, ex);
				}
			}
		}

		private Input open() {
			Path file = this.spill.file;
			try {
				return new Input(file);
			}
			catch (FileNotFoundException ex) {
				String problem = Files.exists(file) ? " cannot be opened" : " no longer exists";
				throw new IllegalStateException("The changes of this transaction beyond the first " + this.memoryLimit
						+ " were spilled to " + file + ", which" + problem
						+ "; the file is deleted once the transaction's change list is no longer referenced", ex);
			}
		}

		/** Reads the spilled part in one pass with its own file handle, independent of get(int). */
		private final class EventIterator implements Iterator<ChangeEvent> {

			private final int end;

			private final int inMemory;

			private int next;

			private Input input;

			EventIterator() {
				synchronized (Events.this) {
					this.end = Events.this.size;
					this.inMemory = Events.this.memory.size();
					if (this.end > this.inMemory) {
						flush();
					}
				}
			}

			@Override
			public boolean hasNext() {
				return this.next < this.end;
			}

			@Override
			public ChangeEvent next() {
				if (this.next >= this.end) {
					throw new NoSuchElementException();
				}
				if (this.next < this.inMemory) {
					return Events.this.memory.get(this.next++);
				}
				try {
					if (this.input == null) {
						this.input = openAt(this.next - this.inMemory);
					}
					ChangeEvent event = Events.this.codec.read(this.input);
					this.next++;
					if (this.next == this.end) {
						closeInput();
					}
					return event;
				}
				catch (RuntimeException ex) {
					closeInput();
					throw ex;
				}
				finally {
					Reference.reachabilityFence(Events.this);
				}
			}

			private Input openAt(int spilledIndex) {
				Input opened;
				synchronized (Events.this) {
					opened = open();
				}
				for (int i = 0; i < spilledIndex; i++) {
					opened.skipRecord();
				}
				return opened;
			}

			private void closeInput() {
				if (this.input != null) {
					this.input.close();
					this.input = null;
				}
			}

		}

	}

	/**
	 * Does not split: splitting would pull batches of events into memory for a parallel stream,
	 * which is what the file is there to avoid.
	 */
	private static final class EventSpliterator implements Spliterator<ChangeEvent> {

		private final Iterator<ChangeEvent> iterator;

		private long remaining;

		EventSpliterator(Iterator<ChangeEvent> iterator, int size) {
			this.iterator = iterator;
			this.remaining = size;
		}

		@Override
		public boolean tryAdvance(Consumer<? super ChangeEvent> action) {
			if (!this.iterator.hasNext()) {
				return false;
			}
			action.accept(this.iterator.next());
			this.remaining--;
			return true;
		}

		@Override
		public Spliterator<ChangeEvent> trySplit() {
			return null;
		}

		@Override
		public long estimateSize() {
			return this.remaining;
		}

		@Override
		public int characteristics() {
			return ORDERED | SIZED | SUBSIZED | NONNULL | IMMUTABLE;
		}

	}

	/**
	 * The spill file and the handles open on it; also the Cleaner action, so it must not refer to the
	 * {@link Events} it cleans up after.
	 */
	private static final class Spill implements Runnable {

		private final Path file;

		private Output output;

		private Input cursor;

		private Spill(Path file, Output output) {
			this.file = file;
			this.output = output;
		}

		static Spill create(Path directory, int memoryLimit) {
			Path file;
			try {
				Files.createDirectories(directory);
				file = Files.createTempFile(directory, FILE_PREFIX, ".spill");
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Could not create a file in " + directory
						+ " for a transaction of more than " + memoryLimit + " changes", ex);
			}
			try {
				Spill spill = new Spill(file, new Output(new FileOutputStream(file.toFile())));
				// for a JVM that exits before the Cleaner has run
				file.toFile().deleteOnExit();
				return spill;
			}
			catch (IOException ex) {
				try {
					Files.deleteIfExists(file);
				}
				catch (IOException suppressed) {
					ex.addSuppressed(suppressed);
				}
				throw new UncheckedIOException("Could not open " + file + " for writing", ex);
			}
		}

		void closeCursor() {
			if (this.cursor != null) {
				this.cursor.close();
				this.cursor = null;
			}
		}

		void release() {
			closeCursor();
			if (this.output != null) {
				try {
					this.output.close();
				}
				catch (IOException ex) {
					// nothing is lost: everything was flushed before, or never will be read
				}
				this.output = null;
			}
		}

		@Override
		public void run() {
			release();
			try {
				Files.deleteIfExists(this.file);
			}
			catch (IOException ex) {
				// deleteOnExit still applies
			}
		}

	}

	/**
	 * Serializes events. Schemas, converters, tables, commit data and column lists are shared by many
	 * events, so they stay in memory in reference tables and records carry an index; the tables of
	 * values that need not be shared objects are capped and fall back to writing the value inline.
	 */
	private static final class Codec {

		private static final Operation[] OPERATIONS = Operation.values();

		private static final int NONE = -1;

		private static final byte NO_ROW = 0;

		private static final byte TUPLE_ROW = 1;

		private static final byte GENERIC_ROW = 2;

		private static final int KEY_ONLY = 1;

		private static final int FALLBACK_BEFORE = 2;

		private static final int FALLBACK_INLINE = 4;

		private static final byte NULL = 0;

		private static final byte STRING = 1;

		private static final byte INTEGER = 2;

		private static final byte LONG = 3;

		private static final byte DOUBLE = 4;

		private static final byte FLOAT = 5;

		private static final byte TRUE = 6;

		private static final byte FALSE = 7;

		private static final byte BYTES = 8;

		private static final byte DECIMAL = 9;

		private static final byte UUID_VALUE = 10;

		private static final byte SERIALIZED = 11;

		private static final byte LOCAL_DATE = 12;

		private static final byte LOCAL_TIME = 13;

		private static final byte LOCAL_DATE_TIME = 14;

		private static final byte OFFSET_DATE_TIME = 15;

		private static final byte INSTANT = 16;

		private static final Object SERIALIZED_PLACEHOLDER = new Object();

		private static final int MAX_SHAPES = 1024;

		private final References<TableSchema> schemas = new References<>(true, Integer.MAX_VALUE);

		private final References<ValueConverter> converters = new References<>(true, Integer.MAX_VALUE);

		private final References<TableId> tables = new References<>(false, 4096);

		private final References<Commit> commits = new References<>(false, 1024);

		private final Map<List<List<String>>, Integer> shapeIndexes = new HashMap<>();

		private final List<ValuesRow.Layout> shapes = new ArrayList<>();

		private final List<Object> serializedValues = new ArrayList<>();

		private final List<String> serializedColumns = new ArrayList<>();

		private Commit lastCommit;

		private int lastCommitIndex = NONE;

		void write(ChangeEvent event, Output out) {
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

		private void writeCommit(ChangeEvent event, Output out) {
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

		private void writeRow(Row row, Row before, Output out) {
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

		private void writeTupleRow(TupleRow row, Row before, Output out) {
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

		private void writeGenericRow(Row row, Output out) {
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
			this.serializedValues.clear();
			this.serializedColumns.clear();
			for (String column : columns) {
				writeValue(column, row.get(column), out);
			}
			if (!this.serializedValues.isEmpty()) {
				byte[] serialized = serialize();
				out.writeInt(serialized.length);
				out.writeBytes(serialized, 0, serialized.length);
			}
		}

		private static void writeStrings(List<String> strings, Output out) {
			out.writeInt(strings.size());
			for (String string : strings) {
				out.writeString(string);
			}
		}

		private static List<String> readStrings(Input in) {
			int count = in.readInt();
			List<String> strings = new ArrayList<>(count);
			for (int i = 0; i < count; i++) {
				strings.add(in.readString());
			}
			return strings;
		}

		private void writeValue(String column, Object value, Output out) {
			Class<?> type = (value != null) ? value.getClass() : null;
			if (value == null) {
				out.writeByte(NULL);
			}
			else if (type == String.class) {
				out.writeByte(STRING);
				out.writeString((String) value);
			}
			else if (type == Integer.class) {
				out.writeByte(INTEGER);
				out.writeInt((Integer) value);
			}
			else if (type == Long.class) {
				out.writeByte(LONG);
				out.writeLong((Long) value);
			}
			else if (type == Double.class) {
				out.writeByte(DOUBLE);
				out.writeLong(Double.doubleToRawLongBits((Double) value));
			}
			else if (type == Float.class) {
				out.writeByte(FLOAT);
				out.writeInt(Float.floatToRawIntBits((Float) value));
			}
			else if (type == Boolean.class) {
				out.writeByte(((Boolean) value) ? TRUE : FALSE);
			}
			else if (type == byte[].class) {
				byte[] bytes = (byte[]) value;
				out.writeByte(BYTES);
				out.writeInt(bytes.length);
				out.writeBytes(bytes, 0, bytes.length);
			}
			else if (type == BigDecimal.class) {
				BigDecimal decimal = (BigDecimal) value;
				byte[] unscaled = decimal.unscaledValue().toByteArray();
				out.writeByte(DECIMAL);
				out.writeInt(decimal.scale());
				out.writeInt(unscaled.length);
				out.writeBytes(unscaled, 0, unscaled.length);
			}
			else if (type == UUID.class) {
				UUID uuid = (UUID) value;
				out.writeByte(UUID_VALUE);
				out.writeLong(uuid.getMostSignificantBits());
				out.writeLong(uuid.getLeastSignificantBits());
			}
			else if (type == LocalDate.class) {
				out.writeByte(LOCAL_DATE);
				out.writeLong(((LocalDate) value).toEpochDay());
			}
			else if (type == LocalTime.class) {
				out.writeByte(LOCAL_TIME);
				out.writeLong(((LocalTime) value).toNanoOfDay());
			}
			else if (type == LocalDateTime.class) {
				out.writeByte(LOCAL_DATE_TIME);
				writeDateTime((LocalDateTime) value, out);
			}
			else if (type == OffsetDateTime.class) {
				OffsetDateTime dateTime = (OffsetDateTime) value;
				out.writeByte(OFFSET_DATE_TIME);
				writeDateTime(dateTime.toLocalDateTime(), out);
				out.writeInt(dateTime.getOffset().getTotalSeconds());
			}
			else if (type == Instant.class) {
				Instant instant = (Instant) value;
				out.writeByte(INSTANT);
				out.writeLong(instant.getEpochSecond());
				out.writeInt(instant.getNano());
			}
			else {
				out.writeByte(SERIALIZED);
				this.serializedValues.add(value);
				this.serializedColumns.add(column);
			}
		}

		private static void writeDateTime(LocalDateTime dateTime, Output out) {
			out.writeLong(dateTime.toLocalDate().toEpochDay());
			out.writeLong(dateTime.toLocalTime().toNanoOfDay());
		}

		/** One stream for all the row's other values: its header and class descriptors come once. */
		private byte[] serialize() {
			ByteArrayOutputStream bytes = new ByteArrayOutputStream();
			int index = 0;
			try (ObjectOutputStream objects = new ObjectOutputStream(bytes)) {
				for (; index < this.serializedValues.size(); index++) {
					objects.writeObject(this.serializedValues.get(index));
				}
			}
			catch (NotSerializableException ex) {
				Object value = this.serializedValues.get(index);
				throw new IllegalArgumentException("Cannot spill a change to disk: column '"
						+ this.serializedColumns.get(index) + "' holds a " + value.getClass().getName()
						+ " and " + ex.getMessage() + " is not Serializable", ex);
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Cannot spill a change to disk: serializing its values failed", ex);
			}
			finally {
				this.serializedValues.clear();
				this.serializedColumns.clear();
			}
			return bytes.toByteArray();
		}

		ChangeEvent read(Input in) {
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

		private Row readRow(Input in, TableId table, Row before) {
			byte tag = in.readByte();
			return switch (tag) {
				case NO_ROW -> null;
				case TUPLE_ROW -> readTupleRow(in, before);
				case GENERIC_ROW -> readGenericRow(in, table);
				default -> throw corrupt("row tag " + tag);
			};
		}

		private TupleRow readTupleRow(Input in, Row before) {
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

		private ValuesRow readGenericRow(Input in, TableId table) {
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
				if (tag == SERIALIZED) {
					// filled in below, from the stream that follows the row's other values
					values[i] = SERIALIZED_PLACEHOLDER;
					anySerialized = true;
				}
				else {
					values[i] = readValue(tag, in);
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

		private static Object readValue(byte tag, Input in) {
			return switch (tag) {
				case NULL -> null;
				case STRING -> in.readString();
				case INTEGER -> in.readInt();
				case LONG -> in.readLong();
				case DOUBLE -> Double.longBitsToDouble(in.readLong());
				case FLOAT -> Float.intBitsToFloat(in.readInt());
				case TRUE -> Boolean.TRUE;
				case FALSE -> Boolean.FALSE;
				case BYTES -> in.readBytes(in.readInt());
				case DECIMAL -> {
					int scale = in.readInt();
					yield new BigDecimal(new BigInteger(in.readBytes(in.readInt())), scale);
				}
				case UUID_VALUE -> new UUID(in.readLong(), in.readLong());
				case LOCAL_DATE -> LocalDate.ofEpochDay(in.readLong());
				case LOCAL_TIME -> LocalTime.ofNanoOfDay(in.readLong());
				case LOCAL_DATE_TIME -> readDateTime(in);
				case OFFSET_DATE_TIME -> OffsetDateTime.of(readDateTime(in), ZoneOffset.ofTotalSeconds(in.readInt()));
				case INSTANT -> Instant.ofEpochSecond(in.readLong(), in.readInt());
				default -> throw corrupt("value tag " + tag);
			};
		}

		private static LocalDateTime readDateTime(Input in) {
			return LocalDateTime.of(LocalDate.ofEpochDay(in.readLong()), LocalTime.ofNanoOfDay(in.readLong()));
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

	}

	private record Commit(Lsn commitLsn, long xid, Instant commitTime) {
	}

	/**
	 * Objects that records refer to by index. With a capacity, {@link #indexOf} returns -1 once full
	 * and the caller writes the value inline instead.
	 */
	private static final class References<T> {

		private final Map<T, Integer> indexes;

		private final List<T> values = new ArrayList<>();

		private final int capacity;

		private T last;

		private int lastIndex;

		References(boolean byIdentity, int capacity) {
			this.indexes = byIdentity ? new IdentityHashMap<>() : new HashMap<>();
			this.capacity = capacity;
		}

		int indexOf(T value) {
			if (value == this.last) {
				return this.lastIndex;
			}
			Integer index = this.indexes.get(value);
			if (index == null) {
				if (this.values.size() >= this.capacity) {
					return Codec.NONE;
				}
				index = this.values.size();
				this.values.add(value);
				this.indexes.put(value, index);
			}
			this.last = value;
			this.lastIndex = index;
			return index;
		}

		T get(int index) {
			return this.values.get(index);
		}

	}

	/**
	 * Buffered sequential writing of length-prefixed records; the prefix lets readers skip records
	 * without decoding them.
	 */
	private static final class Output {

		private final FileOutputStream file;

		private byte[] buffer = new byte[CHUNK];

		private int position;

		private int recordStart;

		Output(FileOutputStream file) {
			this.file = file;
		}

		void startRecord() {
			ensure(4);
			this.recordStart = this.position;
			this.position += 4;
		}

		void endRecord() throws IOException {
			INT_VIEW.set(this.buffer, this.recordStart, this.position - this.recordStart - 4);
			if (this.position >= CHUNK) {
				flush();
			}
		}

		void abandonRecord() {
			this.position = this.recordStart;
		}

		void flush() throws IOException {
			if (this.position > 0) {
				this.file.write(this.buffer, 0, this.position);
				this.position = 0;
			}
			if (this.buffer.length > MAX_RETAINED) {
				this.buffer = new byte[CHUNK];
			}
		}

		void close() throws IOException {
			this.file.close();
		}

		private void ensure(long bytes) {
			if (bytes > this.buffer.length - this.position) {
				long needed = this.position + bytes;
				if (needed > MAX_ARRAY) {
					throw new IllegalArgumentException("A change of more than 2 GB cannot be spilled to disk");
				}
				this.buffer = Arrays.copyOf(this.buffer, (int) Math.min(MAX_ARRAY, Math.max(needed, 2L * this.buffer.length)));
			}
		}

		void writeByte(int value) {
			ensure(1);
			this.buffer[this.position++] = (byte) value;
		}

		void writeInt(int value) {
			ensure(4);
			INT_VIEW.set(this.buffer, this.position, value);
			this.position += 4;
		}

		void writeLong(long value) {
			ensure(8);
			LONG_VIEW.set(this.buffer, this.position, value);
			this.position += 8;
		}

		void writeBytes(byte[] bytes, int offset, int length) {
			ensure(length);
			System.arraycopy(bytes, offset, this.buffer, this.position, length);
			this.position += length;
		}

		/**
		 * Writes UTF-8 but encodes each char on its own, surrogates included, so that any string comes
		 * back exactly, malformed ones too.
		 */
		void writeString(String value) {
			int length = value.length();
			ensure(4 + 3L * length);
			byte[] bytes = this.buffer;
			int start = this.position;
			int p = start + 4;
			for (int i = 0; i < length; i++) {
				char c = value.charAt(i);
				if (c < 0x80) {
					bytes[p++] = (byte) c;
				}
				else if (c < 0x800) {
					bytes[p++] = (byte) (0xC0 | (c >> 6));
					bytes[p++] = (byte) (0x80 | (c & 0x3F));
				}
				else {
					bytes[p++] = (byte) (0xE0 | (c >> 12));
					bytes[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
					bytes[p++] = (byte) (0x80 | (c & 0x3F));
				}
			}
			INT_VIEW.set(bytes, start, p - start - 4);
			this.position = p;
		}

	}

	/**
	 * Buffered sequential reading of whole records: a record is in the buffer before it is decoded,
	 * so decoding needs no bounds checks and no I/O.
	 */
	private static final class Input {

		private final FileInputStream file;

		private byte[] buffer = new byte[CHUNK];

		private int position;

		private int limit;

		Input(Path path) throws FileNotFoundException {
			this.file = new FileInputStream(path.toFile());
		}

		void startRecord() {
			require(4);
			int length = readInt();
			require(length);
		}

		void skipRecord() {
			require(4);
			int length = readInt();
			int buffered = this.limit - this.position;
			if (length <= buffered) {
				this.position += length;
				return;
			}
			try {
				FileChannel channel = this.file.getChannel();
				channel.position(channel.position() + (length - buffered));
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Could not read a spilled transaction", ex);
			}
			this.position = 0;
			this.limit = 0;
		}

		void rewind() {
			try {
				this.file.getChannel().position(0);
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Could not read a spilled transaction", ex);
			}
			this.position = 0;
			this.limit = 0;
		}

		void close() {
			try {
				this.file.close();
			}
			catch (IOException ex) {
				// only read from, nothing to lose
			}
		}

		private void require(int bytes) {
			int buffered = this.limit - this.position;
			if (buffered >= bytes) {
				return;
			}
			byte[] target = this.buffer;
			if (bytes > target.length) {
				target = new byte[Math.max(bytes, 2 * target.length)];
			}
			else if (target.length > MAX_RETAINED && bytes <= CHUNK && buffered <= CHUNK) {
				target = new byte[CHUNK];
			}
			System.arraycopy(this.buffer, this.position, target, 0, buffered);
			this.buffer = target;
			this.position = 0;
			this.limit = buffered;
			try {
				while (this.limit < bytes) {
					int read = this.file.read(target, this.limit, target.length - this.limit);
					if (read < 0) {
						throw new IllegalStateException("A spilled transaction file ends in the middle of a change");
					}
					this.limit += read;
				}
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Could not read a spilled transaction", ex);
			}
		}

		byte readByte() {
			return this.buffer[this.position++];
		}

		int readInt() {
			int value = (int) INT_VIEW.get(this.buffer, this.position);
			this.position += 4;
			return value;
		}

		long readLong() {
			long value = (long) LONG_VIEW.get(this.buffer, this.position);
			this.position += 8;
			return value;
		}

		byte[] readBytes(int length) {
			byte[] bytes = Arrays.copyOfRange(this.buffer, this.position, this.position + length);
			this.position += length;
			return bytes;
		}

		String readString() {
			int length = readInt();
			byte[] bytes = this.buffer;
			int start = this.position;
			int end = start + length;
			this.position = end;
			int i = start;
			while (i < end && bytes[i] >= 0) {
				i++;
			}
			if (i == end) {
				return new String(bytes, start, length, StandardCharsets.ISO_8859_1);
			}
			char[] chars = new char[length];
			int count = 0;
			for (int j = start; j < i; j++) {
				chars[count++] = (char) bytes[j];
			}
			while (i < end) {
				int b = bytes[i++];
				if (b >= 0) {
					chars[count++] = (char) b;
				}
				else if ((b & 0xE0) == 0xC0) {
					chars[count++] = (char) (((b & 0x1F) << 6) | (bytes[i++] & 0x3F));
				}
				else {
					chars[count++] = (char) (((b & 0x0F) << 12) | ((bytes[i++] & 0x3F) << 6) | (bytes[i++] & 0x3F));
				}
			}
			return new String(chars, 0, count);
		}

	}

}
