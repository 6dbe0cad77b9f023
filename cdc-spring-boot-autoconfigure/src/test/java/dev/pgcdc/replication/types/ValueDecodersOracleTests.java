package dev.pgcdc.replication.types;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.stream.Stream;

import dev.pgcdc.event.PgRange;
import dev.pgcdc.replication.types.OracleColumns.Column;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.util.PGobject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Checks every decoder against a real PostgreSQL: the text it decodes is what pgoutput really sends
 * for a row (read back through {@code pg_logical_slot_peek_binary_changes}), and the value it must
 * produce is what pgjdbc's {@code ResultSet.getObject} gives for the same row in a session with the
 * same settings.
 *
 * <p>The text is taken from the pgoutput stream rather than {@code SELECT v::text} because that
 * cast is not the type's output function for every type: bool casts to {@code true}, not
 * {@code t}; char(n) loses its padding; inet gains a {@code /32}.
 */
class ValueDecodersOracleTests {

	private static final String SLOT = "types_oracle";

	private static final String PUBLICATION = "types_oracle";

	private static final List<Column> COLUMNS = OracleColumns.all();

	/**
	 * Values pgjdbc fails on, with what the decoders give instead. Year 1 BC (ISO year 0) is a leap
	 * year, but pgjdbc builds the date with year 1 before applying the era, and that has no February 29.
	 * pgjdbc reads money as a double but keeps the group separators of amounts from 1,000 on
	 * ({@code $1,000.00}), which then do not parse.
	 */
	private static final Map<String, Object> PGJDBC_CANNOT_DECODE = Map.of(
			"date '0001-02-29 BC'", LocalDate.of(0, 2, 29),
			"timestamp '0001-02-29 00:00:00 BC'", LocalDateTime.of(0, 2, 29, 0, 0),
			"money '1000'", 1000.0,
			"money '-1234.56'", -1234.56,
			"money '92233720368547758.07'", 92233720368547758.07,
			"money '-92233720368547758.08'", -92233720368547758.08);

	private static TestDatabase database;

	private static final Map<Session, Connection> oracleConnections = new EnumMap<>(Session.class);

	private static final Map<Session, Map<String, Sent>> sent = new EnumMap<>(Session.class);

	private static final Map<String, String> unavailable = new HashMap<>();

	private static int serverVersion;

	private static ValueDecoders decoders;

	/**
	 * Session settings a pass runs with; the decoders must agree with pgjdbc in each.
	 */
	enum Session {

		/** The JVM default zone, which pgjdbc sends as the session TimeZone. */
		JVM_ZONE,

		/** A +05:30 zone whose history (LMT +05:53:28) puts seconds in old offsets. */
		ASIA_KOLKATA("SET TimeZone = 'Asia/Kolkata'"),

		/** A negative half-hour zone (LMT -03:30:52), with the legacy bytea output format. */
		ST_JOHNS_ESCAPE_BYTEA("SET TimeZone = 'America/St_Johns'", "SET bytea_output = 'escape'");

		private final String[] settings;

		Session(String... settings) {
			this.settings = settings;
		}

		void apply(Connection connection) throws SQLException {
			try (Statement statement = connection.createStatement()) {
				for (String setting : this.settings) {
					statement.execute(setting);
				}
			}
		}

	}

	/**
	 * One value of one column.
	 */
	record Sample(Column column, int id) {

		String expression() {
			return this.column.values().get(this.id);
		}

		String key() {
			return this.column.table() + "/" + this.id;
		}

		@Override
		public String toString() {
			return this.column.type() + " " + abbreviate(expression(), 90);
		}

	}

	/**
	 * What pgoutput sent for a value: the column type OID and the text bytes, {@code null} for NULL.
	 */
	record Sent(int typeOid, byte[] text) {
	}

	static Stream<Arguments> samples() {
		return Stream.of(Session.values())
			.flatMap((session) -> COLUMNS.stream()
				.flatMap((column) -> Stream.iterate(0, (id) -> id < column.values().size(), (id) -> id + 1)
					.map((id) -> Arguments.of(session, new Sample(column, id)))));
	}

	@BeforeAll
	static void storeSamplesAndReadThemBackThroughPgoutput() throws SQLException {
		database = EmbeddedPostgresSupport.createDatabase("types");
		try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
			// The shared server commits asynchronously; the slot can only decode what is flushed.
			statement.execute("SET synchronous_commit = on");
			serverVersion = Integer.parseInt(query(connection, "SHOW server_version_num"));
			assertThat(query(connection, "SHOW server_encoding")).isEqualTo("UTF8");
			for (String extension : List.of("citext", "hstore")) {
				try {
					statement.execute("CREATE EXTENSION " + extension);
				}
				catch (SQLException ex) {
					unavailable.put(extension, ex.getMessage());
				}
			}
			statement.execute("CREATE TYPE mood AS ENUM ('sad', 'happy', 'très \"heureux\", {}')");
			statement.execute("CREATE TYPE pair AS (a int4, b text)");
			statement.execute("CREATE TYPE floatrange AS RANGE (subtype = float8)");
			statement.execute("CREATE TYPE textrange AS RANGE (subtype = text, collation = \"C\", "
					+ "multirange_type_name = textrange_multirange)");
			statement.execute("CREATE TYPE nested AS (p pair, tags text[], r int4range, at timestamptz)");
			statement.execute("CREATE TYPE trio AS (a int4, b text, c bool)");
			statement.execute("ALTER TYPE trio DROP ATTRIBUTE b");
			statement.execute("CREATE DOMAIN dpair AS pair");
			statement.execute("CREATE DOMAIN dintrange AS int4range CHECK (NOT isempty(VALUE))");
			statement.execute("CREATE DOMAIN dint AS int4");
			statement.execute("CREATE DOMAIN dtext AS text");
			statement.execute("CREATE DOMAIN ddint AS dint CHECK (VALUE > 0)");
			statement.execute("CREATE DOMAIN dintarr AS int4[]");
			statement.execute("CREATE DOMAIN dts AS timestamptz");
			for (Column column : COLUMNS) {
				if (isAvailable(column)) {
					statement.execute("CREATE TABLE " + column.table() + " (id int4 PRIMARY KEY, v " + column.type() + ")");
				}
			}
			statement.execute("CREATE PUBLICATION " + PUBLICATION + " FOR ALL TABLES");
			statement.execute("SELECT pg_create_logical_replication_slot('" + SLOT + "', 'pgoutput')");
			for (Column column : COLUMNS) {
				if (isAvailable(column)) {
					for (int id = 0; id < column.values().size(); id++) {
						statement.execute("INSERT INTO " + column.table() + " VALUES (" + id + ", "
								+ column.values().get(id) + ")");
					}
				}
			}
		}
		for (Session session : Session.values()) {
			Connection connection = connectWithoutBinaryTransfer();
			session.apply(connection);
			oracleConnections.put(session, connection);
			sent.put(session, readPgoutput(connection));
		}
		decoders = new ValueDecoders(new JdbcTypeLookup(database.dataSource()));
	}

	@AfterAll
	static void dropSlot() throws SQLException {
		for (Connection connection : oracleConnections.values()) {
			connection.close();
		}
		if (database != null) {
			database.execute("SELECT pg_drop_replication_slot('" + SLOT + "')");
		}
	}

	@ParameterizedTest(name = "[{0}] {1}")
	@MethodSource("samples")
	void decodesPgoutputTextLikePgjdbcGetObject(Session session, Sample sample) {
		Column column = sample.column();
		assumeTrue(column.requires() == null || !unavailable.containsKey(column.requires()),
				() -> "extension " + column.requires() + " is not available in these PostgreSQL binaries: "
						+ unavailable.get(column.requires()));
		assumeTrue(serverVersion >= column.sinceVersion(),
				() -> column.type() + " " + sample.expression() + " needs PostgreSQL " + column.sinceVersion());
		Sent value = sent.get(session).get(sample.key());
		String context = "[" + session + "] " + column.type() + " = " + abbreviate(sample.expression(), 200);
		assertThat(value).as("pgoutput sent no row for %s", context).isNotNull();
		Object expected = expected(session, sample, context);
		if (value.text() == null) {
			assertThat(expected).as("pgoutput sent NULL for %s", context).isNull();
			return;
		}
		// Surround the value with other bytes, as in a real message, so that offsets are exercised.
		byte[] buffer = ByteBuffer.allocate(value.text().length + 10)
			.put("garbage".getBytes(StandardCharsets.US_ASCII))
			.put(value.text())
			.put("xyz".getBytes(StandardCharsets.US_ASCII))
			.array();
		String described = context + "\n  pgoutput text (type OID " + Integer.toUnsignedString(value.typeOid()) + "): "
				+ abbreviate(new String(value.text(), StandardCharsets.UTF_8), 200);
		Object actual;
		try {
			actual = decoders.forType(value.typeOid()).decode(buffer, 7, value.text().length);
		}
		catch (RuntimeException ex) {
			throw new AssertionError(described + "\n  decoding failed: " + ex, ex);
		}
		assertTrue(deepEquals(expected, actual), () -> described + "\n  decoded:  " + describe(actual)
				+ "\n  expected: " + describe(expected) + " (pgjdbc getObject)");
	}

	private static Object expected(Session session, Sample sample, String context) {
		String known = sample.column().type() + " " + sample.expression();
		if (PGJDBC_CANNOT_DECODE.containsKey(known)) {
			// Still ask pgjdbc, so that this list is revisited when a pgjdbc release fixes it.
			assertThatThrownBy(() -> oracle(oracleConnections.get(session), sample))
				.as("pgjdbc now decodes %s; drop it from PGJDBC_CANNOT_DECODE", context)
				.isInstanceOfAny(DateTimeException.class, SQLException.class);
			return PGJDBC_CANNOT_DECODE.get(known);
		}
		try {
			return oracle(oracleConnections.get(session), sample);
		}
		catch (Exception ex) {
			throw new AssertionError(context + "\n  pgjdbc getObject failed: " + ex, ex);
		}
	}

	/**
	 * What pgjdbc gives for the value, converted to the contract's type the way a caller would ask
	 * pgjdbc for it.
	 */
	private static Object oracle(Connection connection, Sample sample) throws SQLException {
		return new GetObjectOracle(connection)
			.value("(SELECT v FROM " + sample.column().table() + " WHERE id = " + sample.id() + ")");
	}

	/**
	 * Read every change of the slot, without consuming it, as pgoutput encodes it for a session with
	 * the connection's settings, and keep the value column of each inserted row.
	 */
	private static Map<String, Sent> readPgoutput(Connection connection) throws SQLException {
		Map<Integer, String> tables = new HashMap<>();
		Map<Integer, int[]> columnTypes = new HashMap<>();
		Map<String, Sent> values = new HashMap<>();
		try (PreparedStatement statement = connection.prepareStatement("SELECT data FROM "
				+ "pg_logical_slot_peek_binary_changes(?, NULL, NULL, 'proto_version', '1', 'publication_names', ?)")) {
			statement.setString(1, SLOT);
			statement.setString(2, PUBLICATION);
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					ByteBuffer message = ByteBuffer.wrap(rs.getBytes(1));
					byte type = message.get();
					if (type == 'R') {
						int relation = message.getInt();
						readString(message);
						tables.put(relation, readString(message));
						message.get();
						int[] oids = new int[message.getShort()];
						for (int i = 0; i < oids.length; i++) {
							message.get();
							readString(message);
							oids[i] = message.getInt();
							message.getInt();
						}
						columnTypes.put(relation, oids);
					}
					else if (type == 'I') {
						int relation = message.getInt();
						assertThat(message.get()).isEqualTo((byte) 'N');
						byte[][] tuple = readTuple(message);
						String id = new String(tuple[0], StandardCharsets.UTF_8);
						values.put(tables.get(relation) + "/" + id, new Sent(columnTypes.get(relation)[1], tuple[1]));
					}
				}
			}
		}
		return values;
	}

	private static byte[][] readTuple(ByteBuffer message) {
		byte[][] columns = new byte[message.getShort()][];
		for (int i = 0; i < columns.length; i++) {
			byte kind = message.get();
			if (kind == 't') {
				columns[i] = new byte[message.getInt()];
				message.get(columns[i]);
			}
			else {
				assertThat(kind).as("tuple column kind").isEqualTo((byte) 'n');
			}
		}
		return columns;
	}

	private static String readString(ByteBuffer message) {
		int start = message.position();
		while (message.get() != 0) {
			// up to the terminating NUL
		}
		return new String(message.array(), start, message.position() - start - 1, StandardCharsets.UTF_8);
	}

	private static Connection connectWithoutBinaryTransfer() throws SQLException {
		// Text transfer, like the engine's pgoutput values, whatever pgjdbc's prepare threshold does.
		Properties properties = new Properties();
		properties.setProperty("user", database.username());
		properties.setProperty("password", database.password());
		properties.setProperty("binaryTransfer", "false");
		return DriverManager.getConnection(database.jdbcUrl(), properties);
	}

	private static String query(Connection connection, String sql) throws SQLException {
		try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
			assertTrue(rs.next());
			return rs.getString(1);
		}
	}

	private static boolean isAvailable(Column column) {
		return (column.requires() == null || !unavailable.containsKey(column.requires()))
				&& serverVersion >= column.sinceVersion();
	}

	static boolean deepEquals(Object expected, Object actual) {
		if (expected instanceof List<?> expectedList && actual instanceof List<?> actualList) {
			if (expectedList.size() != actualList.size()) {
				return false;
			}
			for (int i = 0; i < expectedList.size(); i++) {
				if (!deepEquals(expectedList.get(i), actualList.get(i))) {
					return false;
				}
			}
			return true;
		}
		if (expected instanceof byte[] expectedBytes && actual instanceof byte[] actualBytes) {
			return Arrays.equals(expectedBytes, actualBytes);
		}
		if (expected instanceof Map<?, ?> expectedMap && actual instanceof Map<?, ?> actualMap) {
			// a composite's attributes are in order (the oracle builds a LinkedHashMap); hstore keys are not
			if (expectedMap instanceof LinkedHashMap
					&& !List.copyOf(expectedMap.keySet()).equals(List.copyOf(actualMap.keySet()))) {
				return false;
			}
			return expectedMap.keySet().equals(actualMap.keySet()) && expectedMap.keySet()
				.stream()
				.allMatch((key) -> deepEquals(expectedMap.get(key), actualMap.get(key)));
		}
		if (expected instanceof PgRange<?> expectedRange && actual instanceof PgRange<?> actualRange) {
			return expectedRange.empty() == actualRange.empty()
					&& expectedRange.lowerInclusive() == actualRange.lowerInclusive()
					&& expectedRange.upperInclusive() == actualRange.upperInclusive()
					&& deepEquals(expectedRange.lower(), actualRange.lower())
					&& deepEquals(expectedRange.upper(), actualRange.upper());
		}
		if (expected instanceof PGobject expectedObject && actual instanceof PGobject actualObject) {
			// the geometric classes compare doubles with ==, so NaN coordinates never equal; their text does
			return expected.getClass() == actual.getClass()
					&& Objects.equals(expectedObject.getValue(), actualObject.getValue());
		}
		// Float/Double equals treats NaN as equal to itself and tells -0.0 from 0.0, as wanted here;
		// BigDecimal equals also compares scale, so 1.50 is not 1.5.
		return Objects.equals(expected, actual);
	}

	static String describe(Object value) {
		if (value == null) {
			return "null";
		}
		if (value instanceof List<?> list) {
			StringBuilder builder = new StringBuilder("List[");
			for (int i = 0; i < list.size(); i++) {
				builder.append((i > 0) ? ", " : "").append(describe(list.get(i)));
			}
			return abbreviate(builder.append(']').toString(), 1000);
		}
		if (value instanceof byte[] bytes) {
			return "byte[" + bytes.length + "] " + abbreviate(Arrays.toString(bytes), 200);
		}
		return value.getClass().getSimpleName() + " " + abbreviate(String.valueOf(value), 200);
	}

	static String abbreviate(String text, int max) {
		return (text.length() <= max) ? text : text.substring(0, max) + "... (" + text.length() + " chars)";
	}

}
