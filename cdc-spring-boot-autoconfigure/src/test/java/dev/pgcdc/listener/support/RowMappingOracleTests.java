package dev.pgcdc.listener.support;

import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.replication.ChangeConsumer;
import dev.pgcdc.replication.ConnectionSettings;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.ReplicationSettings;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.util.PGInterval;

import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.core.convert.ConversionService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Proves typed row mapping against a real PostgreSQL: rows of a table with one column per type of the
 * design's value type table go through the real replication engine (pgoutput, decoders, the
 * {@code ConversionService}-backed converter) into a {@link ListenerMethodAdapter} of ROW shape, and every
 * component of the mapped record must equal what pgjdbc's {@code ResultSet.getObject} gives for the same
 * row and column, converted as the type table says (timestamptz to UTC, json/enum/inet as text, arrays
 * element by element through {@code unnest}).
 *
 * <p>An interval maps to a {@link Duration} when it has no months or years (their length depends on the
 * date); one with months fails with a message that says to use {@link PGInterval}; see
 * {@link #intervalConvertsToDurationWithoutMonths()}.
 */
class RowMappingOracleTests {

	private static final String SLOT = "mapping_oracle";

	private static final String TABLE = "mapping_types";

	private static final ConversionService CONVERSION = ApplicationConversionService.getSharedInstance();

	/** Each column with its SQL type and the way the oracle reads it. */
	private static final List<Column> COLUMNS = List.of(
			new Column("id", "int4 PRIMARY KEY", Oracle.OBJECT),
			new Column("small_int", "int2", Oracle.OBJECT),
			new Column("regular_int", "int4", Oracle.OBJECT),
			new Column("big_int", "int8", Oracle.OBJECT),
			new Column("real_value", "float4", Oracle.OBJECT),
			new Column("double_value", "float8", Oracle.OBJECT),
			new Column("amount", "numeric", Oracle.OBJECT),
			new Column("active", "bool", Oracle.OBJECT),
			new Column("note", "text", Oracle.OBJECT),
			new Column("title", "varchar(40)", Oracle.OBJECT),
			new Column("code", "char(5)", Oracle.OBJECT),
			new Column("role_name", "name", Oracle.OBJECT),
			new Column("external_id", "uuid", Oracle.OBJECT),
			new Column("payload_json", "json", Oracle.STRING),
			new Column("payload_jsonb", "jsonb", Oracle.STRING),
			new Column("image", "bytea", Oracle.OBJECT),
			new Column("birth_date", "date", Oracle.LOCAL_DATE),
			new Column("alarm_time", "time", Oracle.LOCAL_TIME),
			new Column("alarm_time_tz", "timetz", Oracle.OFFSET_TIME),
			new Column("created_local", "timestamp", Oracle.LOCAL_DATE_TIME),
			new Column("created_at", "timestamptz", Oracle.OFFSET_DATE_TIME_UTC),
			new Column("retention", "interval", Oracle.OBJECT),
			new Column("scores", "int4[]", Oracle.ARRAY),
			new Column("tags", "text[]", Oracle.ARRAY),
			new Column("mood", "mapping_mood", Oracle.STRING),
			new Column("quantity", "mapping_quantity", Oracle.OBJECT),
			new Column("client_ip", "inet", Oracle.STRING));

	private static final String ALL_BYTES = "(SELECT decode(string_agg(lpad(to_hex(i), 2, '0'), '' ORDER BY i), 'hex') "
			+ "FROM generate_series(0, 255) i)";

	/** The inserted rows, values in {@link #COLUMNS} order; row 3 is all NULL but its key. */
	private static final List<String> ROWS = List.of(
			"1, 1, 42, 9000000000, 1.5, 2.25, 1234.5600, true, 'hello', 'varchar value', 'ab', 'role', "
					+ "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"a\": [1, 2.50, null]}', '{\"b\": {\"c\": \"d\"}}', "
					+ "'\\xdeadbeef', '2024-02-29', '12:34:56.789', '12:00:00+05:30', '2024-06-15 12:34:56.123456', "
					+ "'2024-06-15 12:34:56.123456+05:30', '1 year 2 mons 3 days 04:05:06.789', '{1,2,3}', '{a,b}', "
					+ "'happy', 5, '192.168.0.1'",
			"2, -32768, 2147483647, -9223372036854775808, 'NaN', '-Infinity', 12345678901234567890.123456789, false, "
					+ "E'emoji \\U0001F600 quotes '' \" \\\\ back\\tslash', '', 'abcde', repeat('n', 63), "
					+ "'00000000-0000-0000-0000-000000000000', '  {\"ws\" :  1 }  ', '[]', '\\x', '0044-03-15 BC', "
					+ "'24:00:00', '23:59:59.999999-15:59', '1970-01-01 00:00:00', '2024-03-10 02:30:00 America/New_York', "
					+ "'-1 days', '{1,NULL,3}', ARRAY['a,b', 'c\"d', NULL, '', 'NULL', '{x}'], 'in_between', "
					+ "-2147483648, '::1'",
			"3" + ", NULL".repeat(26),
			"4, 32767, -1, 0, '-0', '1e-300', '-0.000000000000000001', true, repeat('x', 10000), 'ñandú', '日本', "
					+ "'pg_catalog', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', '\"str\"', '{\"日本\": \"😀\"}', " + ALL_BYTES
					+ ", 'infinity', '00:00:00', '00:00:00+00', 'infinity', '-infinity', '0', '{}', '{}', 'sad', 0, "
					+ "'10.0.0.0/8'");

	private static TestDatabase database;

	private static final List<ChangeEvent> changes = new CopyOnWriteArrayList<>();

	private static final Map<Integer, Map<String, Object>> oracleRows = new LinkedHashMap<>();

	private static final Map<String, String> columnsInTableOrder = new LinkedHashMap<>();

	@BeforeAll
	static void streamRowsThroughTheEngine() throws SQLException {
		database = EmbeddedPostgresSupport.createDatabase("mapping");
		StringBuilder create = new StringBuilder("CREATE TABLE " + TABLE + " (");
		for (int i = 0; i < COLUMNS.size(); i++) {
			create.append((i > 0) ? ", " : "").append(COLUMNS.get(i).name()).append(' ').append(COLUMNS.get(i).sqlType());
		}
		database.execute("CREATE TYPE mapping_mood AS ENUM ('sad', 'happy', 'in_between')",
				"CREATE DOMAIN mapping_quantity AS int4", create.append(')').toString());
		ReplicationSettings settings = ReplicationSettings
			.defaults(new ConnectionSettings(database.jdbcUrl(), database.username(), database.password()), SLOT, SLOT)
			.withTables(List.of(TABLE));
		ReplicationEngine engine = new ReplicationEngine(settings, List.of(new Collector()), (consumer, item, ex) -> {
			throw ex;
		}, new ConversionServiceValueConverter(CONVERSION));
		Properties properties = new Properties();
		properties.setProperty("user", database.username());
		properties.setProperty("password", database.password());
		// text transfer, as pgoutput sends text
		properties.setProperty("binaryTransfer", "false");
		engine.start();
		try (Connection connection = DriverManager.getConnection(database.jdbcUrl(), properties);
				Statement statement = connection.createStatement()) {
			statement.execute("SET synchronous_commit = on");
			for (String row : ROWS) {
				statement.execute("INSERT INTO " + TABLE + " VALUES (" + row + ")");
			}
			// a session zone other than the engine's (the JVM's): the oracle must not depend on it
			statement.execute("SET TimeZone = 'America/St_Johns'");
			for (int id = 1; id <= ROWS.size(); id++) {
				oracleRows.put(id, oracleRow(connection, id));
			}
			// the old image of a DELETE carries the key only (default replica identity)
			statement.execute("DELETE FROM " + TABLE + " WHERE id = 1");
			statement.execute("TRUNCATE " + TABLE);
			await().atMost(Duration.ofSeconds(30)).until(() -> changes.size() >= ROWS.size() + 2);
		}
		finally {
			engine.stop();
		}
		assertThat(changes).extracting(ChangeEvent::operation)
			.containsExactly(Operation.INSERT, Operation.INSERT, Operation.INSERT, Operation.INSERT, Operation.DELETE,
					Operation.TRUNCATE);
	}

	@AfterAll
	static void dropSlot() {
		if (database != null) {
			await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
				database.execute("SELECT pg_drop_replication_slot('" + SLOT + "')");
				return true;
			});
		}
	}

	@ParameterizedTest(name = "row {0}")
	@ValueSource(ints = { 1, 2, 3, 4 })
	void everyColumnMapsIntoARecordEqualToPgjdbcGetObject(int id) throws Exception {
		TypesListener listener = new TypesListener();
		ListenerMethodAdapter adapter = adapter(listener, TypesRow.class);
		assertThat(adapter.shape()).isEqualTo(ListenerMethodAdapter.Shape.ROW);
		ChangeEvent event = inserted(id);
		adapter.invoke(event);
		assertThat(listener.received).hasSize(1);
		TypesRow mapped = (TypesRow) listener.received.get(0);
		Map<String, Object> expected = oracleRows.get(id);
		SoftAssertions softly = new SoftAssertions();
		for (RecordComponent component : TypesRow.class.getRecordComponents()) {
			Column column = column(component);
			Object actual = component.getAccessor().invoke(mapped);
			Object wanted = expected.get(column.name());
			softly.assertThat(Objects.deepEquals(actual, wanted))
				.as("row %d, column %s (%s): mapped %s but pgjdbc getObject gives %s", id, column.name(),
						column.sqlType(), describe(actual), describe(wanted))
				.isTrue();
			// no conversion hid a difference: the decoded value already has the type table's class
			Object decoded = event.row().get(column.name());
			softly.assertThat(decoded == null || component.getType().isInstance(decoded))
				.as("row %d, column %s (%s): decoded %s, not the type table's %s", id, column.name(),
						column.sqlType(), describe(decoded), component.getType().getName())
				.isTrue();
		}
		softly.assertAll();
	}

	@Test
	void recordCoversEveryColumnOfTheTableInOrder() {
		assertThat(Arrays.stream(TypesRow.class.getRecordComponents()).map(RecordComponent::getName))
			.containsExactlyElementsOf(columnsInTableOrder.keySet().stream().map(RowMappingOracleTests::camelCase).toList());
		assertThat(columnsInTableOrder.values()).containsExactly("int4", "int2", "int4", "int8", "float4", "float8",
				"numeric", "bool", "text", "varchar", "bpchar", "name", "uuid", "json", "jsonb", "bytea", "date", "time",
				"timetz", "timestamp", "timestamptz", "interval", "_int4", "_text", "mapping_mood", "int4", "inet");
	}

	@ParameterizedTest(name = "row {0}")
	@ValueSource(ints = { 1, 2, 3, 4 })
	void otherComponentTypesConvertThroughTheConversionService(int id) throws Exception {
		TypesListener listener = new TypesListener();
		adapter(listener, ConvertedRow.class).invoke(inserted(id));
		ConvertedRow mapped = (ConvertedRow) listener.received.get(0);
		Map<String, Object> expected = oracleRows.get(id);
		SoftAssertions softly = new SoftAssertions();
		for (RecordComponent component : ConvertedRow.class.getRecordComponents()) {
			Column column = column(component);
			Object actual = component.getAccessor().invoke(mapped);
			Object oracleValue = expected.get(column.name());
			Object wanted = (oracleValue != null) ? CONVERSION.convert(oracleValue, component.getType()) : null;
			softly.assertThat(Objects.deepEquals(actual, wanted))
				.as("row %d, column %s (%s) as %s: mapped %s but pgjdbc getObject converted gives %s", id,
						column.name(), column.sqlType(), component.getType().getSimpleName(), describe(actual),
						describe(wanted))
				.isTrue();
		}
		softly.assertAll();
		if (id == 1) {
			assertThat(mapped.regularInt()).isEqualTo(42L);
			assertThat(mapped.mood()).isEqualTo(Mood.happy);
			assertThat(mapped.createdAt()).isEqualTo(Instant.parse("2024-06-15T07:04:56.123456Z"));
			assertThat(mapped.scores()).containsExactly(1L, 2L, 3L);
		}
	}

	@Test
	void intervalConvertsToDurationWithoutMonths() throws Exception {
		TypesListener listener = new TypesListener();
		ListenerMethodAdapter adapter = adapter(listener, DurationRow.class);
		adapter.invoke(inserted(2));
		adapter.invoke(inserted(3));
		adapter.invoke(inserted(4));
		assertThat(listener.received).containsExactly(new DurationRow(2, 2147483647L, Duration.ofDays(-1)),
				new DurationRow(3, null, null), new DurationRow(4, -1L, Duration.ZERO));
		assertThatExceptionOfType(IllegalArgumentException.class)
			.isThrownBy(() -> adapter.invoke(inserted(1)))
			.withMessage("Cannot map column 'retention' (PGInterval) to DurationRow.retention of type "
					+ "java.time.Duration")
			.havingRootCause()
			.withMessageContaining("has months or years")
			.withMessageContaining("map it to org.postgresql.util.PGInterval");
		assertThat(listener.received).hasSize(3);
		// Long for int4 does convert; a PGInterval component takes the interval as decoded
		adapter(listener, IntervalRow.class).invoke(inserted(1));
		assertThat(listener.received.get(3))
			.isEqualTo(new IntervalRow(1L, 42L, new PGInterval("1 year 2 mons 3 days 04:05:06.789")));
	}

	@Test
	void deleteMapsTheKeyOnlyOldImage() throws Exception {
		ChangeEvent delete = changes.get(ROWS.size());
		assertThat(delete.operation()).isEqualTo(Operation.DELETE);
		assertThat(delete.row().columns()).containsExactly("id");
		TypesListener listener = new TypesListener();
		adapter(listener, TypesRow.class).invoke(delete);
		TypesRow mapped = (TypesRow) listener.received.get(0);
		assertThat(mapped.id()).isEqualTo(1);
		for (RecordComponent component : TypesRow.class.getRecordComponents()) {
			if (!component.getName().equals("id")) {
				assertThat(component.getAccessor().invoke(mapped)).as(component.getName()).isNull();
			}
		}
	}

	@Test
	void truncateReachesEventListenersButNotRowListeners() throws Exception {
		ChangeEvent truncate = changes.get(ROWS.size() + 1);
		assertThat(truncate.operation()).isEqualTo(Operation.TRUNCATE);
		assertThat(truncate.row()).isNull();
		TypesListener listener = new TypesListener();
		ListenerMethodAdapter rows = adapter(listener, TypesRow.class);
		assertThat(rows.acceptsTruncate()).isFalse();
		rows.invoke(truncate);
		assertThat(listener.received).isEmpty();
		Method onEvent = TypesListener.class.getDeclaredMethod("onEvent", ChangeEvent.class);
		ListenerMethodAdapter events = ListenerMethodAdapter.of(listener, onEvent, "TypesListener#onEvent(ChangeEvent)");
		assertThat(events.acceptsTruncate()).isTrue();
		events.invoke(truncate);
		assertThat(listener.received).containsExactly(truncate);
	}

	// ---- oracle

	/**
	 * Read one row as pgjdbc gives it, each column converted the way the type table says.
	 */
	private static Map<String, Object> oracleRow(Connection connection, int id) throws SQLException {
		Map<String, Object> values = new LinkedHashMap<>();
		try (Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT * FROM " + TABLE + " WHERE id = " + id)) {
			assertThat(rs.next()).as("oracle row %d", id).isTrue();
			for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
				columnsInTableOrder.put(rs.getMetaData().getColumnName(i), rs.getMetaData().getColumnTypeName(i));
			}
			for (Column column : COLUMNS) {
				Object value = (column.oracle() == Oracle.ARRAY) ? arrayOracle(connection, rs, column.name(), id)
						: column.oracle().read(rs, column.name());
				values.put(column.name(), value);
			}
		}
		return values;
	}

	/** An array as the list of pgjdbc's {@code getObject} of each element, read through {@code unnest}. */
	private static List<Object> arrayOracle(Connection connection, ResultSet row, String column, int id)
			throws SQLException {
		if (row.getString(column) == null) {
			return null;
		}
		List<Object> elements = new ArrayList<>();
		try (Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT unnest(" + column + ") FROM " + TABLE + " WHERE id = " + id)) {
			while (rs.next()) {
				elements.add(rs.getObject(1));
			}
		}
		return elements;
	}

	enum Oracle {

		OBJECT, STRING, LOCAL_DATE, LOCAL_TIME, OFFSET_TIME, LOCAL_DATE_TIME, OFFSET_DATE_TIME_UTC, ARRAY;

		Object read(ResultSet rs, String column) throws SQLException {
			return switch (this) {
				case OBJECT -> rs.getObject(column);
				case STRING -> rs.getString(column);
				case LOCAL_DATE -> rs.getObject(column, LocalDate.class);
				case LOCAL_TIME -> rs.getObject(column, LocalTime.class);
				case OFFSET_TIME -> rs.getObject(column, OffsetTime.class);
				case LOCAL_DATE_TIME -> rs.getObject(column, LocalDateTime.class);
				case OFFSET_DATE_TIME_UTC -> utc(rs.getObject(column, OffsetDateTime.class));
				case ARRAY -> throw new IllegalStateException("arrays are read with unnest");
			};
		}

		private static OffsetDateTime utc(OffsetDateTime value) {
			if (value == null || value.equals(OffsetDateTime.MAX) || value.equals(OffsetDateTime.MIN)) {
				return value;
			}
			return value.withOffsetSameInstant(ZoneOffset.UTC);
		}

	}

	record Column(String name, String sqlType, Oracle oracle) {
	}

	// ---- helpers

	private static ChangeEvent inserted(int id) {
		for (ChangeEvent change : changes) {
			if (change.operation() == Operation.INSERT && Integer.valueOf(id).equals(change.row().get("id"))) {
				return change;
			}
		}
		throw new AssertionError("no INSERT event for id " + id + " in " + changes);
	}

	private static ListenerMethodAdapter adapter(TypesListener listener, Class<?> rowType) throws NoSuchMethodException {
		Method method = TypesListener.class.getDeclaredMethod("on" + rowType.getSimpleName(), rowType);
		return ListenerMethodAdapter.of(listener, method, ListenerMethodAdapter.describe(method));
	}

	private static Column column(RecordComponent component) {
		for (Column column : COLUMNS) {
			if (camelCase(column.name()).equals(component.getName())) {
				return column;
			}
		}
		throw new AssertionError("no column for record component " + component.getName());
	}

	private static String camelCase(String column) {
		StringBuilder out = new StringBuilder();
		boolean upper = false;
		for (char c : column.toCharArray()) {
			if (c == '_') {
				upper = true;
			}
			else {
				out.append(upper ? Character.toUpperCase(c) : c);
				upper = false;
			}
		}
		return out.toString();
	}

	private static String describe(Object value) {
		if (value == null) {
			return "null";
		}
		String text = (value instanceof byte[] bytes) ? Arrays.toString(bytes)
				: (value instanceof Object[] array) ? Arrays.toString(array) : String.valueOf(value);
		if (text.length() > 120) {
			text = text.substring(0, 120) + "...(" + text.length() + " chars)";
		}
		return text + " (" + value.getClass().getSimpleName() + ")";
	}

	// ---- records and listeners

	/** Every column with the type table's Java type. */
	record TypesRow(Integer id, Integer smallInt, Integer regularInt, Long bigInt, Float realValue, Double doubleValue,
			BigDecimal amount, Boolean active, String note, String title, String code, String roleName, UUID externalId,
			String payloadJson, String payloadJsonb, byte[] image, LocalDate birthDate, LocalTime alarmTime,
			OffsetTime alarmTimeTz, LocalDateTime createdLocal, OffsetDateTime createdAt, PGInterval retention,
			List<Integer> scores, List<String> tags, String mood, Integer quantity, String clientIp) {
	}

	enum Mood {

		sad, happy, in_between

	}

	/** Columns mapped onto other types, converted by the application's ConversionService. */
	record ConvertedRow(Long id, Long smallInt, Long regularInt, Double amount, String active, String externalId,
			Instant createdAt, Mood mood, Long quantity, Long[] scores) {
	}

	record DurationRow(Integer id, Long regularInt, Duration retention) {
	}

	record IntervalRow(Long id, Long regularInt, PGInterval retention) {
	}

	/** Collects whatever the adapters deliver, through package-private methods. */
	static class TypesListener {

		final List<Object> received = new ArrayList<>();

		void onTypesRow(TypesRow row) {
			this.received.add(row);
		}

		void onConvertedRow(ConvertedRow row) {
			this.received.add(row);
		}

		void onDurationRow(DurationRow row) {
			this.received.add(row);
		}

		void onIntervalRow(IntervalRow row) {
			this.received.add(row);
		}

		void onEvent(ChangeEvent event) {
			this.received.add(event);
		}

	}

	/** Receives every change the engine streams. */
	static final class Collector implements ChangeConsumer {

		@Override
		public void onChange(ChangeEvent event) {
			changes.add(event);
		}

	}

}
