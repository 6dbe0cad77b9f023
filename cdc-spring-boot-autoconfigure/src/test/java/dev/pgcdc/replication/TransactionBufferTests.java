package dev.pgcdc.replication;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.util.PGInterval;

import dev.pgcdc.event.AbstractRow;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Row;
import dev.pgcdc.event.TableId;
import dev.pgcdc.event.ValueConverter;
import dev.pgcdc.pgoutput.PgOutputMessage.Column;
import dev.pgcdc.pgoutput.PgOutputMessage.Relation;
import dev.pgcdc.pgoutput.TupleData;
import dev.pgcdc.replication.types.TypeLookup;
import dev.pgcdc.replication.types.ValueDecoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link TransactionBuffer}: what stays in memory, what goes to disk and comes back, and
 * when the file goes away.
 */
class TransactionBufferTests {

	private static final ValueDecoders DECODERS = new ValueDecoders(TypeLookup.builtIn());

	private static final int INT4 = 23;

	private static final int INT8 = 20;

	private static final int TEXT = 25;

	private static final int BYTEA = 17;

	private static final int NUMERIC = 1700;

	private static final Instant COMMIT_TIME = Instant.parse("2024-05-01T10:15:30.123456789Z");

	private static final Lsn COMMIT_LSN = Lsn.parse("1/A0000000");

	private static final long XID = 4711;

	/** Marks a column as an unchanged TOAST value when building a tuple. */
	private static final Object TOAST = new Object();

	/** Converts to StringBuilder in a way no other converter does, to tell it apart. */
	private static final ValueConverter CONVERTER = new ValueConverter() {

		@Override
		public <T> T convert(Object value, Class<T> type) {
			if (type == StringBuilder.class) {
				return type.cast(new StringBuilder("converted ").append(value));
			}
			return ValueConverter.simple().convert(value, type);
		}

	};

	private final TableSchema orders = schema("public", "orders", 'f', new Column(true, "id", INT4, -1),
			new Column(false, "name", TEXT, -1), new Column(false, "note", TEXT, -1),
			new Column(false, "data", BYTEA, -1), new Column(false, "amount", NUMERIC, -1));

	private final TableSchema customers = schema("sales", "customers", 'd', new Column(true, "id", INT8, -1),
			new Column(true, "region", TEXT, -1), new Column(false, "email", TEXT, -1));

	@TempDir
	Path directory;

	@Test
	void keepsChangesUpToTheLimitInMemory() {
		List<ChangeEvent> events = List.of(insert(1, "a"), insert(2, "b"), insert(3, "c"));
		try (TransactionBuffer buffer = new TransactionBuffer(keeping(events), this.directory)) {
			events.forEach(buffer::add);
			assertThat(buffer.inMemory()).isEqualTo(3);
			assertThat(buffer.spillFile()).isNull();
			assertThat(this.directory).isEmptyDirectory();
			List<ChangeEvent> list = buffer.changes();
			assertThat(list).hasSize(3);
			for (int i = 0; i < events.size(); i++) {
				assertThat(list.get(i)).isSameAs(events.get(i));
			}
			assertThat(list).containsExactlyElementsOf(events);
		}
	}

	@Test
	void spillsBeyondTheLimitAndReadsEveryFieldBack() {
		String megabyte = "x€".repeat(350_000) + "y".repeat(300_000);
		assertThat(megabyte.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(1_000_000);
		TupleRow fullOld = row(this.orders, tuple(7, "old name", "old note", "\\x00ff", "1.50"));
		TupleRow keyOld = keyRow(this.customers, tuple(9, "eu", null));
		List<ChangeEvent> events = List.of(
				insert(1, "first"),
				event(Operation.INSERT, this.orders, null,
						row(this.orders, tuple(2, "Grüße, 日本, 🚀 and \u0000", null, "\\xdeadbeef00", "-0.000")), 100),
				// REPLICA IDENTITY FULL: the unchanged TOAST value of the new image comes from the old one
				event(Operation.UPDATE, this.orders, fullOld,
						new TupleRow(this.orders, tuple(7, "new name", TOAST, "\\x00ff", "2.50"), false, fullOld,
								CONVERTER),
						101),
				// without an old image the unchanged value stays unknown
				event(Operation.UPDATE, this.orders, null, row(this.orders, tuple(8, "n", TOAST, null, null)), 102),
				event(Operation.UPDATE, this.customers, keyOld, row(this.customers, tuple(10, "us", TOAST)), 103),
				event(Operation.DELETE, this.customers, keyRow(this.customers, tuple(11, "eu", null)), null, 104),
				event(Operation.DELETE, this.orders, row(this.orders, tuple(12, null, null, null, null)), null, 105),
				event(Operation.TRUNCATE, this.orders, null, null, COMMIT_LSN.value()),
				event(Operation.INSERT, this.orders, null, row(this.orders, tuple(13, megabyte, "", "\\x", "0")), 106),
				// a short tuple (fewer columns than the schema) and a value in binary format
				event(Operation.INSERT, this.orders, null,
						row(this.orders, new TupleData(new byte[] { '4', '2', 'b' }, new byte[] { TupleData.TEXT, TupleData.BINARY },
								new int[] { 0, 2 }, new int[] { 2, 1 })),
						107),
				insert(14, "last"));
		try (TransactionBuffer buffer = new TransactionBuffer(keeping(events.subList(0, 1)), this.directory)) {
			events.forEach(buffer::add);
			assertThat(buffer.inMemory()).isEqualTo(1);
			assertThat(buffer.spillFile().getParent()).isEqualTo(this.directory);
			assertThat(buffer.spilledBytes()).isGreaterThan(1_000_000);
			// unlinked as soon as it was open: nothing to leave behind, whatever happens to the JVM
			assertThat(this.directory).isEmptyDirectory();
			List<ChangeEvent> list = buffer.changes();
			assertThat(list).hasSize(events.size());
			assertThat(list.get(0)).isSameAs(events.get(0));
			for (int i = 1; i < events.size(); i++) {
				assertSameEvent(list.get(i), events.get(i));
			}
			ChangeEvent update = list.get(2);
			assertThat(update.after().isUnchanged("note")).isFalse();
			assertThat(update.after().get("note")).isEqualTo("old note");
			assertThat(((TupleRow) update.after()).fallback()).isSameAs(update.before());
			assertThat(update.changedColumns()).containsExactly("name", "amount");
			assertThat(list.get(3).after().isUnchanged("note")).isTrue();
			assertThat(list.get(4).before().columns()).containsExactly("id", "region");
			assertThat(list.get(8).after().get("name")).isEqualTo(megabyte);
			assertThat(list.get(1).after().get("data")).isEqualTo(new byte[] { (byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef, 0 });
			assertThat(list.get(9).after().get("note")).isNull();
			assertThat(((TupleRow) list.get(9).after()).tuple().kind(1)).isEqualTo(TupleData.BINARY);
		}
	}

	@Test
	void readsTupleRowsBackWithTheirSchemaAndConverterStillLazy() {
		try (TransactionBuffer buffer = new TransactionBuffer(keeping(List.of()), this.directory)) {
			buffer.add(event(Operation.INSERT, this.orders, null,
					row(this.orders, tuple(1, "name", "not a number", null, "1.5")), 100));
			TupleRow row = (TupleRow) buffer.changes().get(0).after();
			assertThat(row.schema()).isSameAs(this.orders);
			assertThat(row.get("name", StringBuilder.class)).hasToString("converted name");
			// the tuple holds just the values, copied out of whatever buffer they were in
			assertThat(row.tuple().buffer()).hasSize("1".length() + "name".length() + "not a number".length() + "1.5".length());
			assertThat(row.get("amount")).isEqualTo(new BigDecimal("1.5"));
		}
	}

	@Test
	void spillsOtherRowsInAGenericForm() {
		Map<String, Object> values = new LinkedHashMap<>();
		values.put("text", "plain");
		values.put("empty", "");
		values.put("unicode", "Grüße, 日本, 🚀");
		values.put("lone_surrogate", "a\uD800b");
		values.put("long_text", "é".repeat(100_000));
		values.put("int", 42);
		values.put("long", Long.MIN_VALUE);
		values.put("short", (short) 7);
		values.put("double", Double.NaN);
		values.put("float", -0.0f);
		values.put("true", true);
		values.put("false", false);
		values.put("decimal", new BigDecimal("123.4500"));
		values.put("uuid", UUID.fromString("123e4567-e89b-12d3-a456-426614174000"));
		values.put("bytes", new byte[] { 1, 2, -3 });
		values.put("date", LocalDate.of(2024, 2, 29));
		values.put("time", LocalTime.of(23, 59, 59, 999_999_000));
		values.put("timetz", OffsetTime.of(1, 2, 3, 0, ZoneOffset.ofHours(5)));
		values.put("timestamp", LocalDateTime.MAX);
		values.put("timestamptz", OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 6000, ZoneOffset.UTC));
		values.put("instant", Instant.EPOCH);
		values.put("date_min", LocalDate.MIN);
		values.put("time_max", LocalTime.MAX);
		values.put("timestamp_min", LocalDateTime.MIN);
		values.put("timestamptz_max", OffsetDateTime.MAX);
		values.put("timestamptz_offset", OffsetDateTime.of(1900, 1, 1, 0, 0, 0, 1, ZoneOffset.ofHoursMinutesSeconds(0, 9, 21)));
		values.put("instant_max", Instant.MAX);
		values.put("instant_before_epoch", Instant.ofEpochSecond(-1, 999_999_999));
		values.put("array", List.of(1, 2, 3));
		values.put("array_with_null", Arrays.asList("a", null));
		values.put("nested", List.of(List.of(1L), List.of(2L)));
		values.put("interval", new PGInterval(1, 2, 3, 4, 5, 6.5));
		values.put("null", null);
		Row snapshotRow = Row.of(values);
		Row toasted = new ToastedRow();
		List<ChangeEvent> events = new ArrayList<>();
		events.add(insert(1, "in memory"));
		for (int i = 0; i < 3; i++) {
			events.add(new ChangeEvent(Operation.SNAPSHOT, new TableId("public", "orders"), null, snapshotRow,
					new Lsn(200 + i), COMMIT_LSN, XID, COMMIT_TIME));
		}
		events.add(new ChangeEvent(Operation.UPDATE, TableId.parse("other.things"), Row.of(Map.of("a", 1)), toasted,
				new Lsn(300), new Lsn(301), 12, Instant.ofEpochSecond(-5, 1)));
		try (TransactionBuffer buffer = new TransactionBuffer(keeping(events.subList(0, 1)), this.directory)) {
			events.forEach(buffer::add);
			List<ChangeEvent> list = buffer.changes();
			for (int i = 1; i < events.size(); i++) {
				assertSameEvent(list.get(i), events.get(i));
			}
			Row spilled = list.get(1).after();
			assertThat(spilled.toMap().keySet()).containsExactlyElementsOf(values.keySet());
			assertThat(spilled.get("lone_surrogate")).isEqualTo("a\uD800b");
			assertThat(spilled.get("short")).isEqualTo((short) 7);
			assertThat(spilled.get("int", Long.class)).isEqualTo(42L);
			assertThat(list.get(4).after().isUnchanged("b")).isTrue();
			assertThat(list.get(4).after().isUnchanged("a")).isFalse();
			assertThat(list.get(4).after().get("a", StringBuilder.class)).hasToString("converted 1");
			assertThat(list.get(4).changedColumns()).isEmpty();
			assertThat(list.get(4).after().keyColumns()).containsExactly("a");
		}
	}

	@Test
	void rejectsAValueThatCannotBeSerializedAndStaysUsable() {
		try (TransactionBuffer buffer = new TransactionBuffer(keeping(List.of(insert(1, "a"))), this.directory)) {
			buffer.add(insert(1, "a"));
			buffer.add(insert(2, "b"));
			ChangeEvent bad = new ChangeEvent(Operation.SNAPSHOT, TableId.parse("t"), null,
					Row.of(Map.of("lock", new Object())), new Lsn(1), COMMIT_LSN, XID, COMMIT_TIME);
			assertThatIllegalArgumentException().isThrownBy(() -> buffer.add(bad))
				.withMessageContaining("column 'lock'")
				.withMessageContaining("java.lang.Object");
			buffer.add(insert(3, "c"));
			assertThat(buffer.changes()).extracting((event) -> event.after().get("id")).containsExactly(1, 2, 3);
		}
	}

	@Test
	void iteratesAsOftenAsAsked() {
		List<ChangeEvent> events = inserts(500);
		try (TransactionBuffer buffer = new TransactionBuffer(keeping(events.subList(0, 100)), this.directory)) {
			events.forEach(buffer::add);
			List<ChangeEvent> list = buffer.changes();
			List<Object> ids = events.stream().map((event) -> event.after().get("id")).toList();
			assertThat(ids(list.iterator())).isEqualTo(ids);
			assertThat(ids(list.iterator())).isEqualTo(ids);
			List<Object> forEach = new ArrayList<>();
			list.forEach((event) -> forEach.add(event.after().get("id")));
			assertThat(forEach).isEqualTo(ids);
			assertThat(list.stream().map((event) -> event.after().get("id")).toList()).isEqualTo(ids);
			assertThat(list.parallelStream().map((event) -> event.after().get("id")).collect(Collectors.toList()))
				.isEqualTo(ids);
			assertThat(list.stream().skip(400).findFirst()).hasValueSatisfying(
					(event) -> assertThat(event.after().get("id")).isEqualTo(400));
			assertThat(list.subList(98, 102)).extracting((event) -> event.after().get("id")).containsExactly(98, 99,
					100, 101);
			// an iterator created halfway sees what had been added by then
			Iterator<ChangeEvent> early = list.iterator();
			buffer.add(insert(500, "late"));
			assertThat(ids(early)).isEqualTo(ids);
			assertThat(list).hasSize(501);
			assertThat(list.get(500).after().get("id")).isEqualTo(500);
		}
	}

	@Test
	void getsByIndexInAnyOrder() {
		List<ChangeEvent> events = inserts(5_000);
		try (TransactionBuffer buffer = new TransactionBuffer(keeping(events.subList(0, 100)), this.directory)) {
			events.forEach(buffer::add);
			List<ChangeEvent> list = buffer.changes();
			assertThat(list).hasSize(5_000);
			for (int i = 0; i < events.size(); i++) {
				assertThat(list.get(i).lsn()).isEqualTo(events.get(i).lsn());
			}
			Random random = new Random(42);
			for (int n = 0; n < 500; n++) {
				int i = random.nextInt(events.size());
				assertThat(list.get(i).after().get("id")).isEqualTo(i);
			}
			for (int i = events.size() - 1; i >= events.size() - 20; i--) {
				assertThat(list.get(i).after().get("name")).isEqualTo("name " + i);
			}
		}
	}

	@Test
	void spillsToTheTemporaryDirectoryByDefaultAndLeavesNothingThere() {
		TransactionBuffer buffer = new TransactionBuffer(keeping(List.of()), null);
		buffer.add(insert(1, "a"));
		buffer.close();
		Path file = buffer.spillFile();
		assertThat(file.getParent()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir")));
		assertThat(file.getFileName().toString()).startsWith("pgcdc-tx-");
		assertThat(file).doesNotExist();
		assertThat(buffer.changes().get(0).after().get("id")).isEqualTo(1);
	}

	@Test
	void staysReadableWhileTheListIsReachableWithNoFileInTheDirectory() {
		AtomicReference<List<ChangeEvent>> kept = new AtomicReference<>();
		handOver(kept);
		System.gc();
		// closed and released by the dispatcher, still readable by a consumer that kept it
		assertThat(kept.get()).hasSize(10);
		assertThat(kept.get().get(9).after().get("id")).isEqualTo(9);
		assertThat(ids(kept.get().iterator())).hasSize(10);
		assertThat(this.directory).isEmptyDirectory();
	}

	private void handOver(AtomicReference<List<ChangeEvent>> kept) {
		List<ChangeEvent> events = inserts(10);
		TransactionBuffer buffer = new TransactionBuffer(keeping(events.subList(0, 2)), this.directory);
		events.forEach(buffer::add);
		kept.set(buffer.changes());
		buffer.close();
		buffer.release();
	}

	@Test
	void givesItsMemoryBackToTheBudgetWhenReleased() {
		MemoryBudget budget = new MemoryBudget(64 * 1024 * 1024);
		TransactionBuffer buffer = new TransactionBuffer(budget, this.directory);
		inserts(100).forEach(buffer::add);
		assertThat(buffer.inMemory()).isEqualTo(100);
		assertThat(budget.usedBytes()).isGreaterThan(100 * 20);
		buffer.close();
		buffer.release();
		assertThat(budget.usedBytes()).isZero();
		assertThat(buffer.changes()).hasSize(100);
	}

	@Test
	void spillsOnceHalfTheBudgetIsTakenAndSpillsFromThenOn() {
		List<ChangeEvent> events = inserts(1_000);
		long half = 0;
		for (ChangeEvent event : events.subList(0, 600)) {
			half += ChangeSize.of(event);
		}
		MemoryBudget budget = new MemoryBudget(2 * half);
		try (TransactionBuffer buffer = new TransactionBuffer(budget, this.directory)) {
			events.forEach(buffer::add);
			assertThat(buffer.inMemory()).isEqualTo(600);
			assertThat(budget.usedBytes()).isEqualTo(half);
			assertThat(buffer.changes()).extracting((event) -> event.after().get("id"))
				.containsExactlyElementsOf(events.stream().map((event) -> event.after().get("id")).toList());
		}
	}

	@Test
	void removesLeftoverSpillFilesOfADeadJvm() throws Exception {
		Path leftover = Files.createFile(this.directory.resolve("pgcdc-tx-123.spill"));
		Path other = Files.createFile(this.directory.resolve("keep-me.txt"));
		SpillFile.removeLeftovers(this.directory);
		assertThat(leftover).doesNotExist();
		assertThat(other).exists();
	}

	@Test
	void namesTheDirectoryAndTheFixWhenTheSpillFileCannotBeCreated() throws Exception {
		Path notADirectory = Files.createFile(this.directory.resolve("plain-file"));
		try (TransactionBuffer buffer = new TransactionBuffer(keeping(List.of()), notADirectory)) {
			assertThatExceptionOfType(java.io.UncheckedIOException.class).isThrownBy(() -> buffer.add(insert(1, "a")))
				.withMessageContaining(notADirectory.toString())
				.withMessageContaining("cdc.memory.spill-directory");
		}
	}

	@Test
	void rejectsChangesOnceClosed() {
		TransactionBuffer buffer = new TransactionBuffer(keeping(List.of(insert(1, "a"))), this.directory);
		buffer.add(insert(1, "a"));
		buffer.add(insert(2, "b"));
		buffer.close();
		buffer.close();
		assertThatIllegalStateException().isThrownBy(() -> buffer.add(insert(3, "c")))
			.withMessageContaining("closed");
		assertThat(buffer.changes()).hasSize(2);
	}

	@Test
	@Timeout(30)
	void holdsAMillionChangesWithOnlyTheLimitInMemory() {
		int count = 1_000_000;
		List<ChangeEvent> first = new ArrayList<>();
		for (int i = 0; i < 1000; i++) {
			first.add(event(Operation.INSERT, this.orders, null, row(this.orders, tuple(i, "name", null, null, "12.50")),
					1000 + i));
		}
		try (TransactionBuffer buffer = new TransactionBuffer(keeping(first), this.directory)) {
			for (int i = 0; i < count; i++) {
				buffer.add(event(Operation.INSERT, this.orders, null,
						row(this.orders, tuple(i, "name", null, null, "12.50")), 1000 + i));
			}
			assertThat(buffer.inMemory()).isEqualTo(1000);
			List<ChangeEvent> list = buffer.changes();
			assertThat(list).hasSize(count);
			int next = 0;
			for (ChangeEvent event : list) {
				assertThat(event.lsn().value()).isEqualTo(1000 + next);
				if (next % 1000 == 0) {
					assertThat(event.after().get("id")).isEqualTo(next);
				}
				next++;
			}
			assertThat(next).isEqualTo(count);
			assertThat(list.get(count - 1).after().get("id")).isEqualTo(count - 1);
		}
	}

	/** A budget whose spillable half holds exactly the given changes. */
	private static MemoryBudget keeping(List<ChangeEvent> first) {
		long bytes = 0;
		for (ChangeEvent event : first) {
			bytes += ChangeSize.of(event);
		}
		return new MemoryBudget(Math.max(1, 2 * bytes));
	}

	private static void assertSameEvent(ChangeEvent actual, ChangeEvent expected) {
		assertThat(actual).isNotSameAs(expected);
		assertThat(actual.operation()).isEqualTo(expected.operation());
		assertThat(actual.table()).isEqualTo(expected.table());
		assertThat(actual.lsn()).isEqualTo(expected.lsn());
		assertThat(actual.commitLsn()).isEqualTo(expected.commitLsn());
		assertThat(actual.xid()).isEqualTo(expected.xid());
		assertThat(actual.commitTime()).isEqualTo(expected.commitTime());
		assertSameRow(actual.before(), expected.before());
		assertSameRow(actual.after(), expected.after());
		assertThat(actual.changedColumns()).isEqualTo(expected.changedColumns());
	}

	private static void assertSameRow(Row actual, Row expected) {
		if (expected == null) {
			assertThat(actual).isNull();
			return;
		}
		if (expected instanceof TupleRow tupleRow) {
			assertThat(actual).isInstanceOf(TupleRow.class);
			TupleRow spilled = (TupleRow) actual;
			assertThat(spilled.schema()).isSameAs(tupleRow.schema());
			assertThat(spilled.keyOnly()).isEqualTo(tupleRow.keyOnly());
			assertThat(spilled.fallback() != null).isEqualTo(tupleRow.fallback() != null);
		}
		assertThat(actual.columns()).isEqualTo(expected.columns());
		assertThat(actual.keyColumns()).isEqualTo(expected.keyColumns());
		for (String column : expected.columns()) {
			assertThat(actual.contains(column)).isTrue();
			assertThat(actual.get(column)).as(column).isEqualTo(expected.get(column));
			assertThat(actual.isUnchanged(column)).as(column).isEqualTo(expected.isUnchanged(column));
		}
		assertThat(actual.contains("no_such_column")).isFalse();
	}

	private static List<Object> ids(Iterator<ChangeEvent> iterator) {
		List<Object> ids = new ArrayList<>();
		iterator.forEachRemaining((event) -> ids.add(event.after().get("id")));
		return ids;
	}

	private List<ChangeEvent> inserts(int count) {
		List<ChangeEvent> events = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			events.add(insert(i, "name " + i));
		}
		return events;
	}

	private ChangeEvent insert(int id, String name) {
		return event(Operation.INSERT, this.orders, null, row(this.orders, tuple(id, name, null, null, "9.99")),
				1000 + id);
	}

	private static ChangeEvent event(Operation operation, TableSchema schema, Row before, Row after, long lsn) {
		return new ChangeEvent(operation, schema.table(), before, after, new Lsn(lsn), COMMIT_LSN, XID, COMMIT_TIME);
	}

	private static TupleRow row(TableSchema schema, TupleData tuple) {
		return new TupleRow(schema, tuple, false, null, CONVERTER);
	}

	private static TupleRow keyRow(TableSchema schema, TupleData tuple) {
		return new TupleRow(schema, tuple, true, null, CONVERTER);
	}

	private static TableSchema schema(String namespace, String name, char replicaIdentity, Column... columns) {
		return new TableSchema(new Relation(1, name.hashCode(), namespace, name, replicaIdentity, List.of(columns)),
				DECODERS);
	}

	/**
	 * Build a tuple as the decoder does: values lie in a larger message buffer, here with junk
	 * around them, so reading back has to copy just the values.
	 */
	private static TupleData tuple(Object... values) {
		ByteArrayOutputStream buffer = new ByteArrayOutputStream();
		buffer.writeBytes("junk".getBytes(StandardCharsets.US_ASCII));
		byte[] kinds = new byte[values.length];
		int[] offsets = new int[values.length];
		int[] lengths = new int[values.length];
		for (int i = 0; i < values.length; i++) {
			Object value = values[i];
			if (value == null) {
				kinds[i] = TupleData.NULL;
			}
			else if (value == TOAST) {
				kinds[i] = TupleData.UNCHANGED_TOAST;
			}
			else {
				byte[] bytes = value.toString().getBytes(StandardCharsets.UTF_8);
				kinds[i] = TupleData.TEXT;
				offsets[i] = buffer.size();
				lengths[i] = bytes.length;
				buffer.writeBytes(bytes);
				buffer.write('|');
			}
		}
		return new TupleData(buffer.toByteArray(), kinds, offsets, lengths);
	}

	/** A row of another kind with an unchanged TOAST value. */
	private static final class ToastedRow extends AbstractRow {

		ToastedRow() {
			super(CONVERTER);
		}

		@Override
		public List<String> columns() {
			return List.of("a", "b");
		}

		@Override
		public List<String> keyColumns() {
			return List.of("a");
		}

		@Override
		protected int indexOf(String column) {
			return columns().indexOf(column);
		}

		@Override
		protected Object valueAt(int index) {
			return (index == 0) ? 1 : null;
		}

		@Override
		protected boolean isUnchangedAt(int index) {
			return index == 1;
		}

		@Override
		protected String source() {
			return "a toasted row";
		}

	}

}
