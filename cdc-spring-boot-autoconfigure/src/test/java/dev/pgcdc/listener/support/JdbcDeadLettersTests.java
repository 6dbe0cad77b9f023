package dev.pgcdc.listener.support;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
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
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.event.AbstractRow;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.PgRange;
import dev.pgcdc.event.Row;
import dev.pgcdc.event.TableId;
import dev.pgcdc.event.ValueConverter;
import dev.pgcdc.listener.CdcListenerFailure;
import dev.pgcdc.listener.DeadLetter;
import dev.pgcdc.listener.support.JdbcDeadLetters.DeadLetterTarget;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PGInterval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Dead letters stored in, read from and replayed out of a real PostgreSQL table: every value type
 * comes back as an equal value of the same class.
 */
class JdbcDeadLettersTests {

	private static final TableId ORDERS = new TableId("public", "orders");

	private static TestDatabase database;

	private static JdbcDeadLetters deadLetters;

	private static final Map<String, DeadLetterTarget> targets = new HashMap<>();

	@BeforeAll
	static void createTable() {
		database = EmbeddedPostgresSupport.createDatabase("dead_letters");
		deadLetters = new JdbcDeadLetters(database.dataSource(), "cdc_dead_letter", ValueConverter.simple(),
				targets::get);
		deadLetters.initializeSchema();
	}

	@Test
	void everyValueTypeRoundTrips() {
		Map<String, Object> values = new LinkedHashMap<>();
		values.put("id", 42L);
		values.put("int_min", Integer.MIN_VALUE);
		values.put("int_max", Integer.MAX_VALUE);
		values.put("long_min", Long.MIN_VALUE);
		values.put("long_max", Long.MAX_VALUE);
		values.put("float", 1.1f);
		values.put("float_min", Float.MIN_VALUE);
		values.put("float_max", Float.MAX_VALUE);
		values.put("float_nan", Float.NaN);
		values.put("float_inf", Float.POSITIVE_INFINITY);
		values.put("float_neg_inf", Float.NEGATIVE_INFINITY);
		values.put("float_neg_zero", -0.0f);
		values.put("double", 0.1 + 0.2);
		values.put("double_min", Double.MIN_VALUE);
		values.put("double_max", Double.MAX_VALUE);
		values.put("double_nan", Double.NaN);
		values.put("double_inf", Double.POSITIVE_INFINITY);
		values.put("double_neg_inf", Double.NEGATIVE_INFINITY);
		values.put("numeric", new BigDecimal("10.50"));
		values.put("numeric_tiny", new BigDecimal("0.000000000100"));
		values.put("numeric_negative_scale", new BigDecimal("1E+3"));
		values.put("numeric_1000_digits", new BigDecimal("-" + "9".repeat(600) + "." + "1".repeat(400)));
		values.put("numeric_zero_scale", new BigDecimal("0.00"));
		values.put("bool_true", true);
		values.put("bool_false", false);
		values.put("empty", "");
		values.put("unicode", "Grüße, 日本語, emoji 😀👍🏽, RTL עברית, \u2028\u2029 \uFEFF");
		values.put("controls", controlCharacters());
		values.put("quotes", "\"double\" 'single' \\backslash\\ \\u0041 \\\" /slash/ {\"json\": [1]}");
		values.put("newlines", "line 1\nline 2\r\nline 3\ttab");
		values.put("looks_like_number", "1E+3");
		values.put("megabyte", "x\"\\\n€".repeat(200_000));
		values.put("uuid", UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
		values.put("bytes", allBytes());
		values.put("bytes_empty", new byte[0]);
		values.put("date", LocalDate.of(2025, 2, 28));
		values.put("date_min", LocalDate.MIN);
		values.put("date_max", LocalDate.MAX);
		values.put("date_bc", LocalDate.of(-4712, 1, 1));
		values.put("time", LocalTime.of(10, 15));
		values.put("time_nanos", LocalTime.of(10, 15, 30, 123_456_789));
		values.put("time_min", LocalTime.MIN);
		values.put("time_max", LocalTime.MAX);
		values.put("timetz", OffsetTime.of(10, 15, 30, 0, ZoneOffset.ofHoursMinutesSeconds(5, 30, 15)));
		values.put("timetz_min", OffsetTime.MIN);
		values.put("timetz_max", OffsetTime.MAX);
		values.put("timestamp", LocalDateTime.of(2025, 5, 1, 10, 0));
		values.put("timestamp_micros", LocalDateTime.of(2025, 5, 1, 10, 0, 0, 1000));
		values.put("timestamp_min", LocalDateTime.MIN);
		values.put("timestamp_max", LocalDateTime.MAX);
		values.put("timestamptz", OffsetDateTime.of(2025, 5, 1, 10, 0, 0, 123_000_000, ZoneOffset.UTC));
		values.put("timestamptz_offset", OffsetDateTime.of(1999, 12, 31, 23, 59, 59, 0, ZoneOffset.ofHours(-8)));
		values.put("timestamptz_min", OffsetDateTime.MIN);
		values.put("timestamptz_max", OffsetDateTime.MAX);
		values.put("interval", new PGInterval(1, 2, 3, 4, 5, 6.789012));
		values.put("interval_negative", new PGInterval(-1, -2, 3, -4, -5, -6.000001));
		values.put("interval_zero", new PGInterval(0, 0, 0, 0, 0, 0));
		values.put("duration", Duration.ofSeconds(-3, 1));
		values.put("int_list", Arrays.asList(1, null, 3));
		values.put("empty_list", List.of());
		values.put("nested_list", Arrays.asList(Arrays.asList("a", null), null, List.of(), Arrays.asList("\"", "")));
		values.put("bytes_list", Arrays.asList(new byte[] { 1, 2 }, null, new byte[0]));
		values.put("mixed_list", Arrays.asList(new BigDecimal("1.10"), Double.NaN, LocalDate.MAX, UUID.randomUUID()));
		values.put("other", new StringBuilder("anything else"));
		values.put("null", null);
		ChangeEvent insert = event(Operation.INSERT, null, new TestRow(values, List.of("id"), List.of()));

		DeadLetter stored = deadLetters.find(storeFailure("values", insert));

		ChangeEvent expected = event(Operation.INSERT, null,
				new TestRow(with(values, "other", "anything else"), List.of("id"), List.of()));
		assertSameEvents(stored.changes(), List.of(expected));
		Row after = stored.changes().get(0).after();
		assertThat(after.get("float_nan")).isInstanceOf(Float.class);
		assertThat(after.get("numeric_negative_scale")).isEqualTo(new BigDecimal("1E+3"));
		assertThat(((BigDecimal) after.get("numeric_negative_scale")).scale()).isEqualTo(-3);
		assertThat(after.get("numeric", BigDecimal.class).scale()).isEqualTo(2);
	}

	@Test
	void keyOnlyBeforeImageAndUnchangedToastValuesRoundTrip() {
		Map<String, Object> key = new LinkedHashMap<>();
		key.put("tenant", "acme");
		key.put("id", 7L);
		Map<String, Object> row = new LinkedHashMap<>();
		row.put("tenant", "acme");
		row.put("id", 7L);
		row.put("status", "PAID");
		row.put("document", null);
		row.put("notes", null);
		TestRow before = new TestRow(key, List.of("tenant", "id"), List.of());
		TestRow after = new TestRow(row, List.of("tenant", "id"), List.of("document"));
		ChangeEvent update = event(Operation.UPDATE, before, after);
		ChangeEvent delete = event(Operation.DELETE, new TestRow(key, List.of("tenant", "id"), List.of()), null);
		ChangeEvent truncate = event(Operation.TRUNCATE, null, null);
		ChangeEvent keyless = event(Operation.SNAPSHOT, null, new TestRow(Map.of("v", 1), List.of(), List.of()));

		DeadLetter stored = deadLetters.find(storeFailure("images", update, delete, truncate, keyless));

		assertSameEvents(stored.changes(), List.of(update, delete, truncate, keyless));
		Row storedAfter = stored.changes().get(0).after();
		assertThat(storedAfter.isUnchanged("document")).isTrue();
		assertThat(storedAfter.isUnchanged("notes")).isFalse();
		assertThat(stored.changes().get(0).before().contains("status")).isFalse();
		assertThat(stored.changes().get(0).before().keyColumns()).containsExactly("tenant", "id");
		assertThat(stored.changes().get(0).changedColumns()).isEmpty();
		assertThat(stored.changes().get(2).row()).isNull();
	}

	@Test
	void valuesReadByPgjdbcRoundTrip() throws Exception {
		Map<String, Object> values = new LinkedHashMap<>();
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT '1 year 2 mons -3 days 04:05:06.7'::interval, "
						+ "'-infinity'::timestamptz, 'infinity'::timestamp, 'infinity'::date, "
						+ "'2025-05-01 10:00:00.123456+02'::timestamptz, '24:00:00'::time, "
						+ "'NaN'::numeric, 12345678901234567890.000::numeric, '\\x00ff'::bytea, "
						+ "ARRAY[[1,2],[3,NULL]]::int[], 'a\"b'::text")) {
			result.next();
			values.put("interval", result.getObject(1));
			values.put("timestamptz_minus_infinity", result.getObject(2, OffsetDateTime.class));
			values.put("timestamp_infinity", result.getObject(3, LocalDateTime.class));
			values.put("date_infinity", result.getObject(4, LocalDate.class));
			values.put("timestamptz", result.getObject(5, OffsetDateTime.class));
			values.put("time_end_of_day", result.getObject(6, LocalTime.class));
			values.put("numeric_nan", result.getDouble(7));
			values.put("numeric", result.getBigDecimal(8));
			values.put("bytea", result.getBytes(9));
			values.put("array", List.of(List.of(1, 2), Arrays.asList(3, null)));
			values.put("text", result.getString(11));
		}
		ChangeEvent insert = event(Operation.INSERT, null, new TestRow(values, List.of(), List.of()));

		DeadLetter stored = deadLetters.find(storeFailure("pgjdbc", insert));

		assertSameEvents(stored.changes(), List.of(insert));
		assertThat(stored.changes().get(0).after().get("interval")).isInstanceOf(PGInterval.class);
	}

	@Test
	void storeWritesOneReadableRowPerFailure() throws Exception {
		ChangeEvent first = event(Operation.INSERT, null, orderRow(1, "NEW"));
		ChangeEvent second = new ChangeEvent(Operation.UPDATE, new TableId("sales", "Invoices"), null, orderRow(2, "PAID"),
				new Lsn(0xFFFFFFFF00000010L), first.commitLsn(), first.xid(), first.commitTime());
		IllegalStateException failure = new IllegalStateException("boom \0 nul",
				new IllegalArgumentException("root cause"));
		long id = deadLetters.store(new CdcListenerFailure("readable", List.of(first, second), null, failure, 3));

		try (Connection connection = database.connect();
				PreparedStatement statement = connection.prepareStatement("SELECT listener_id, table_name, operation, "
						+ "commit_lsn::text, xid, commit_time, exception, attempts, created_at, replayed_at, "
						+ "jsonb_array_length(changes), changes->0->'after'->'columns'->1->>'value', "
						+ "changes @> '[{\"table\": \"Invoices\", \"operation\": \"UPDATE\"}]' "
						+ "FROM cdc_dead_letter WHERE id = ?")) {
			statement.setLong(1, id);
			try (ResultSet result = statement.executeQuery()) {
				assertThat(result.next()).isTrue();
				assertThat(result.getString(1)).isEqualTo("readable");
				assertThat(result.getString(2)).isEqualTo("public.orders, sales.Invoices");
				assertThat(result.getString(3)).isEqualTo("INSERT, UPDATE");
				assertThat(result.getString(4)).isEqualTo(first.commitLsn().toString());
				assertThat(result.getLong(5)).isEqualTo(first.xid());
				// the column has PostgreSQL's microseconds; the changes keep the nanoseconds
				assertThat(result.getObject(6, OffsetDateTime.class).toInstant())
					.isEqualTo(Instant.parse("2025-05-01T10:15:30.123457Z"));
				assertThat(result.getString(7)).isEqualTo("java.lang.IllegalStateException: boom \\0 nul\n"
						+ "Caused by: java.lang.IllegalArgumentException: root cause");
				assertThat(result.getInt(8)).isEqualTo(3);
				assertThat(result.getObject(9)).isNotNull();
				assertThat(result.getObject(10)).isNull();
				assertThat(result.getInt(11)).isEqualTo(2);
				assertThat(result.getString(12)).isEqualTo("NEW");
				assertThat(result.getBoolean(13)).isTrue();
			}
		}
		try (Connection connection = database.connect();
				PreparedStatement statement = connection.prepareStatement("SELECT c->>'name' AS column, "
						+ "c->>'value' AS value FROM cdc_dead_letter, "
						+ "jsonb_array_elements(changes->0->'after'->'columns') c WHERE id = ?")) {
			statement.setLong(1, id);
			try (ResultSet result = statement.executeQuery()) {
				List<String> columns = new ArrayList<>();
				while (result.next()) {
					columns.add(result.getString("column") + "=" + result.getString("value"));
				}
				assertThat(columns).containsExactly("id=1", "status=NEW");
			}
		}
		DeadLetter stored = deadLetters.find(id);
		assertThat(stored.listenerId()).isEqualTo("readable");
		assertThat(stored.exception()).startsWith("java.lang.IllegalStateException: boom");
		assertThat(stored.attempts()).isEqualTo(3);
		assertThat(stored.createdAt()).isCloseTo(Instant.now(), org.assertj.core.api.Assertions.within(1,
				java.time.temporal.ChronoUnit.MINUTES));
		assertThat(stored.replayedAt()).isNull();
		assertSameEvents(stored.changes(), List.of(first, second));
	}

	@Test
	void storeCommitsOutsideTheCallersTransaction() throws Exception {
		try (Connection connection = database.connect()) {
			connection.setAutoCommit(false);
			long id = storeFailure("own-transaction", event(Operation.INSERT, null, orderRow(1, "NEW")));
			connection.rollback();
			assertThat(deadLetters.find(id)).isNotNull();
		}
	}

	@Test
	void findPendingAndDelete() {
		JdbcDeadLetters letters = newStore("lifecycle_dead_letter");
		assertThat(letters.pending(10)).isEmpty();
		long first = storeFailure(letters, "lifecycle", event(Operation.INSERT, null, orderRow(1, "A")));
		long second = storeFailure(letters, "lifecycle", event(Operation.INSERT, null, orderRow(2, "B")));
		long third = storeFailure(letters, "other", event(Operation.INSERT, null, orderRow(3, "C")));

		assertThat(letters.pending(10)).extracting(DeadLetter::id).containsExactly(first, second, third);
		assertThat(letters.pending(2)).extracting(DeadLetter::id).containsExactly(first, second);
		assertThat(letters.pending(0)).isEmpty();
		assertThat(letters.find(second).changes().get(0).after().get("status")).isEqualTo("B");
		assertThat(letters.find(third + 1000)).isNull();

		assertThat(letters.delete(second)).isTrue();
		assertThat(letters.delete(second)).isFalse();
		assertThat(letters.find(second)).isNull();
		assertThat(letters.pending(10)).extracting(DeadLetter::id).containsExactly(first, third);
		assertThatIllegalArgumentException().isThrownBy(() -> letters.pending(-1));
	}

	@Test
	void replayDeliversEqualEventsAndMarksReplayed() throws Exception {
		List<ChangeEvent> original = List.of(event(Operation.INSERT, null, orderRow(1, "NEW")),
				event(Operation.DELETE, orderRow(2, "OLD"), null));
		List<List<ChangeEvent>> delivered = new CopyOnWriteArrayList<>();
		targets.put("replay-ok", delivered::add);
		long id = deadLetters.store(new CdcListenerFailure("replay-ok", original, null, new RuntimeException("x"), 1));

		deadLetters.replay(id);

		assertThat(delivered).hasSize(1);
		assertSameEvents(delivered.get(0), original);
		DeadLetter replayed = deadLetters.find(id);
		assertThat(replayed.replayedAt()).isNotNull();
		assertThat(deadLetters.pending(1000)).extracting(DeadLetter::id).doesNotContain(id);

		deadLetters.replay(id);
		assertThat(delivered).hasSize(2);
		assertThat(deadLetters.find(id).replayedAt()).isAfterOrEqualTo(replayed.replayedAt());
	}

	@Test
	void failedReplayRethrowsAndLeavesTheDeadLetterPending() {
		Exception problem = new Exception("still broken");
		targets.put("replay-fails", (changes) -> {
			throw problem;
		});
		long id = storeFailure("replay-fails", event(Operation.INSERT, null, orderRow(1, "NEW")));

		assertThatThrownBy(() -> deadLetters.replay(id)).isSameAs(problem);

		assertThat(deadLetters.find(id).replayedAt()).isNull();
		assertThat(deadLetters.pending(1000)).extracting(DeadLetter::id).contains(id);
	}

	@Test
	void replayOfAnUnknownListenerOrDeadLetterFailsClearly() {
		long id = storeFailure("gone", event(Operation.INSERT, null, orderRow(1, "NEW")));

		assertThatIllegalArgumentException().isThrownBy(() -> deadLetters.replay(id))
			.withMessageContaining("no listener with id 'gone' exists any more")
			.withMessageContaining("dead letter " + id);
		assertThat(deadLetters.find(id).replayedAt()).isNull();
		assertThatIllegalArgumentException().isThrownBy(() -> deadLetters.replay(Long.MAX_VALUE))
			.withMessageContaining("No dead letter with id " + Long.MAX_VALUE);
	}

	@Test
	void logicalMessageFailuresKeepTheMessage() throws Exception {
		LogicalMessage text = new LogicalMessage("orders", "{\"id\": 1, \"note\": \"\u00e9\\n\"}"
			.getBytes(StandardCharsets.UTF_8), true, Lsn.parse("1/A0"));
		LogicalMessage binary = new LogicalMessage("bin", allBytes(), false, Lsn.parse("1/B0"));
		List<LogicalMessage> delivered = new ArrayList<>();
		targets.put("messages", new DeadLetterTarget() {

			@Override
			public void redeliver(List<ChangeEvent> changes) {
				throw new AssertionError("not a change");
			}

			@Override
			public void redeliver(LogicalMessage message) {
				delivered.add(message);
			}

		});
		targets.put("messages-unsupported", (changes) -> {
			throw new AssertionError("not a change");
		});
		long textId = deadLetters.store(new CdcListenerFailure("messages", List.of(), text, new RuntimeException(), 1));
		long binaryId = deadLetters.store(new CdcListenerFailure("messages", List.of(), binary, null, 1));
		long unsupportedId = deadLetters
			.store(new CdcListenerFailure("messages-unsupported", List.of(), text, new RuntimeException(), 1));

		assertThat(deadLetters.find(textId).changes()).isEmpty();
		deadLetters.replay(textId);
		deadLetters.replay(binaryId);
		assertThatThrownBy(() -> deadLetters.replay(unsupportedId)).isInstanceOf(UnsupportedOperationException.class);

		assertThat(delivered).hasSize(2);
		assertSameMessage(delivered.get(0), text);
		assertSameMessage(delivered.get(1), binary);
		assertThat(deadLetters.find(binaryId).exception()).isNull();
		assertThat(deadLetters.find(unsupportedId).replayedAt()).isNull();
		try (Connection connection = database.connect();
				PreparedStatement statement = connection.prepareStatement(
						"SELECT operation, table_name, changes->0->'content'->>'value' FROM cdc_dead_letter WHERE id = ?")) {
			statement.setLong(1, textId);
			try (ResultSet result = statement.executeQuery()) {
				result.next();
				assertThat(result.getString(1)).isEqualTo("MESSAGE");
				assertThat(result.getString(2)).isNull();
				assertThat(result.getString(3)).isEqualTo(text.contentAsString());
			}
		}
	}

	@Test
	void invalidTableNamesAreRejectedNamingTheProperty() {
		for (String name : Arrays.asList(null, "", "1table", "dead-letter", "a.b.c", "\"quoted\"", "a;drop table x",
				"a.", ".a", "white space", "tablé")) {
			assertThatIllegalArgumentException()
				.isThrownBy(() -> new JdbcDeadLetters(database.dataSource(), name, ValueConverter.simple(), targets::get))
				.withMessageContaining("cdc.listener.dead-letter-table")
				.withMessageContaining("'" + name + "'");
		}
	}

	@Test
	void initializeSchemaTwiceIsFine() {
		JdbcDeadLetters letters = newStore("twice_dead_letter");
		letters.initializeSchema();
		letters.initializeSchema();
		assertThat(letters.pending(1)).isEmpty();
		long id = storeFailure(letters, "twice", event(Operation.INSERT, null, orderRow(1, "NEW")));
		assertThat(letters.find(id)).isNotNull();
	}

	@Test
	void instancesStartingAtOnceBothInitializeTheSchema() throws Exception {
		ExecutorService executor = Executors.newFixedThreadPool(4);
		try {
			for (int round = 0; round < 5; round++) {
				String table = "race" + round + ".dead_letter";
				CountDownLatch start = new CountDownLatch(1);
				List<Future<?>> futures = new ArrayList<>();
				for (int i = 0; i < 4; i++) {
					JdbcDeadLetters letters = new JdbcDeadLetters(database.dataSource(), table, ValueConverter.simple(),
							targets::get);
					futures.add(executor.submit(() -> {
						start.await();
						letters.initializeSchema();
						return null;
					}));
				}
				start.countDown();
				for (Future<?> future : futures) {
					future.get(1, TimeUnit.MINUTES);
				}
				JdbcDeadLetters letters = new JdbcDeadLetters(database.dataSource(), table, ValueConverter.simple(),
						targets::get);
				assertThat(letters.pending(1)).isEmpty();
			}
		}
		finally {
			executor.shutdownNow();
		}
	}

	@Test
	void schemaQualifiedMixedCaseTableName() throws Exception {
		JdbcDeadLetters letters = new JdbcDeadLetters(database.dataSource(), "Ops.DeadLetters_2",
				ValueConverter.simple(), targets::get);
		letters.initializeSchema();
		List<List<ChangeEvent>> delivered = new ArrayList<>();
		targets.put("qualified", delivered::add);
		ChangeEvent insert = event(Operation.INSERT, null, orderRow(1, "NEW"));
		long id = storeFailure(letters, "qualified", insert);

		letters.replay(id);

		assertSameEvents(delivered.get(0), List.of(insert));
		assertThat(letters.find(id).replayedAt()).isNotNull();
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT count(*), min(listener_id) FROM \"Ops\".\"DeadLetters_2\"")) {
			result.next();
			assertThat(result.getInt(1)).isEqualTo(1);
			assertThat(result.getString(2)).isEqualTo("qualified");
		}
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT indexdef FROM pg_indexes "
						+ "WHERE schemaname = 'Ops' AND tablename = 'DeadLetters_2' AND indexname LIKE '%pending%'")) {
			assertThat(result.next()).isTrue();
			assertThat(result.getString(1)).contains("(listener_id)").contains("WHERE (replayed_at IS NULL)");
		}
	}

	@Test
	void storingIntoAMissingTableFailsWithTheTableName() {
		JdbcDeadLetters letters = new JdbcDeadLetters(database.dataSource(), "missing_dead_letter",
				ValueConverter.simple(), targets::get);
		assertThatThrownBy(() -> storeFailure(letters, "x", event(Operation.INSERT, null, orderRow(1, "NEW"))))
			.isInstanceOf(org.springframework.dao.DataAccessException.class)
			.hasMessageContaining("\"missing_dead_letter\"");
	}

	private static JdbcDeadLetters newStore(String table) {
		JdbcDeadLetters letters = new JdbcDeadLetters(database.dataSource(), table, ValueConverter.simple(),
				targets::get);
		letters.initializeSchema();
		return letters;
	}

	private static long storeFailure(String listenerId, ChangeEvent... changes) {
		return storeFailure(deadLetters, listenerId, changes);
	}

	private static long storeFailure(JdbcDeadLetters letters, String listenerId, ChangeEvent... changes) {
		return letters.store(new CdcListenerFailure(listenerId, List.of(changes), null,
				new IllegalStateException("listener failed"), 3));
	}

	private static ChangeEvent event(Operation operation, Row before, Row after) {
		return new ChangeEvent(operation, ORDERS, before, after, Lsn.parse("16/B374D848"), Lsn.parse("16/B374D900"),
				4_000_000_123L, Instant.parse("2025-05-01T10:15:30.123456789Z"));
	}

	private static TestRow orderRow(long id, String status) {
		Map<String, Object> values = new LinkedHashMap<>();
		values.put("id", id);
		values.put("status", status);
		return new TestRow(values, List.of("id"), List.of());
	}

	private static Map<String, Object> with(Map<String, Object> values, String column, Object value) {
		Map<String, Object> copy = new LinkedHashMap<>(values);
		copy.put(column, value);
		return copy;
	}

	private static String controlCharacters() {
		StringBuilder text = new StringBuilder();
		for (char c = 1; c < 0x20; c++) {
			text.append(c);
		}
		return text.append('\u007f').append('\u0085').append('\u00a0').toString();
	}

	private static byte[] allBytes() {
		byte[] bytes = new byte[256];
		for (int i = 0; i < bytes.length; i++) {
			bytes[i] = (byte) i;
		}
		return bytes;
	}

	static void assertSameMessage(LogicalMessage actual, LogicalMessage expected) {
		assertThat(actual.prefix()).isEqualTo(expected.prefix());
		assertThat(actual.content()).isEqualTo(expected.content());
		assertThat(actual.transactional()).isEqualTo(expected.transactional());
		assertThat(actual.lsn()).isEqualTo(expected.lsn());
	}

	static void assertSameEvents(List<ChangeEvent> actual, List<ChangeEvent> expected) {
		assertThat(actual).hasSameSizeAs(expected);
		for (int i = 0; i < expected.size(); i++) {
			ChangeEvent a = actual.get(i);
			ChangeEvent e = expected.get(i);
			assertThat(a.operation()).isEqualTo(e.operation());
			assertThat(a.table()).isEqualTo(e.table());
			assertThat(a.lsn()).isEqualTo(e.lsn());
			assertThat(a.commitLsn()).isEqualTo(e.commitLsn());
			assertThat(a.xid()).isEqualTo(e.xid());
			assertThat(a.commitTime()).isEqualTo(e.commitTime());
			assertSameRow(a.before(), e.before());
			assertSameRow(a.after(), e.after());
		}
	}

	private static void assertSameRow(Row actual, Row expected) {
		if (expected == null) {
			assertThat(actual).isNull();
			return;
		}
		assertThat(actual).isNotNull();
		assertThat(actual.columns()).containsExactlyElementsOf(expected.columns());
		assertThat(actual.keyColumns()).containsExactlyElementsOf(expected.keyColumns());
		for (String column : expected.columns()) {
			Object a = actual.get(column);
			Object e = expected.get(column);
			assertThat(deepEquals(a, e)).as("column %s: %s (%s) vs expected %s (%s)", column, a,
					(a != null) ? a.getClass().getName() : null, e, (e != null) ? e.getClass().getName() : null)
				.isTrue();
			assertThat(actual.isUnchanged(column)).as("unchanged flag of %s", column)
				.isEqualTo(expected.isUnchanged(column));
		}
	}

	/**
	 * {@link Objects#deepEquals} that also looks inside lists, maps (in their order) and ranges, and insists
	 * on the same classes.
	 */
	private static boolean deepEquals(Object a, Object b) {
		if (a == null || b == null) {
			return a == b;
		}
		if (a instanceof List<?> left && b instanceof List<?> right) {
			if (left.size() != right.size()) {
				return false;
			}
			for (int i = 0; i < left.size(); i++) {
				if (!deepEquals(left.get(i), right.get(i))) {
					return false;
				}
			}
			return true;
		}
		if (a instanceof Map<?, ?> left && b instanceof Map<?, ?> right) {
			return deepEquals(new ArrayList<>(left.keySet()), new ArrayList<>(right.keySet()))
					&& deepEquals(new ArrayList<>(left.values()), new ArrayList<>(right.values()));
		}
		if (a instanceof PgRange<?> left && b instanceof PgRange<?> right) {
			return deepEquals(left.lower(), right.lower()) && deepEquals(left.upper(), right.upper())
					&& left.lowerInclusive() == right.lowerInclusive()
					&& left.upperInclusive() == right.upperInclusive() && left.empty() == right.empty();
		}
		return a.getClass() == b.getClass() && Objects.deepEquals(a, b);
	}

	/** A row that carries key columns and unchanged flags, like the decoder's. */
	static final class TestRow extends AbstractRow {

		private final List<String> columns;

		private final List<String> keyColumns;

		private final List<Object> values;

		private final List<String> unchanged;

		TestRow(Map<String, ?> values, List<String> keyColumns, List<String> unchanged) {
			super(ValueConverter.simple());
			this.columns = List.copyOf(values.keySet());
			this.values = Collections.unmodifiableList(new ArrayList<>(values.values()));
			this.keyColumns = keyColumns;
			this.unchanged = unchanged;
		}

		@Override
		public List<String> columns() {
			return this.columns;
		}

		@Override
		public List<String> keyColumns() {
			return this.keyColumns;
		}

		@Override
		protected int indexOf(String column) {
			return this.columns.indexOf(column);
		}

		@Override
		protected Object valueAt(int index) {
			return this.values.get(index);
		}

		@Override
		protected boolean isUnchangedAt(int index) {
			return this.unchanged.contains(this.columns.get(index));
		}

		@Override
		protected String source() {
			return "a test row";
		}

	}

}
