package dev.pgcdc.replication.types;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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

	private static final List<Column> COLUMNS = columns();

	/**
	 * Values pgjdbc fails on, with what the decoders give instead. Year 1 BC (ISO year 0) is a leap
	 * year, but pgjdbc builds the date with year 1 before applying the era, and that has no February 29.
	 */
	private static final Map<String, Object> PGJDBC_CANNOT_DECODE = Map.of(
			"date '0001-02-29 BC'", LocalDate.of(0, 2, 29),
			"timestamp '0001-02-29 00:00:00 BC'", LocalDateTime.of(0, 2, 29, 0, 0));

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
	 * A column type with the values to store in it; each value is one row of table {@link #table()}.
	 */
	record Column(int index, String type, List<String> values, String requires, int sinceVersion) {

		String table() {
			return "t" + this.index;
		}

		Column requires(String extension) {
			return new Column(this.index, this.type, this.values, extension, this.sinceVersion);
		}

		Column since(int version) {
			return new Column(this.index, this.type, this.values, this.requires, version);
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

	private static List<Column> columns() {
		Columns add = new Columns();
		String allBytes = "(SELECT decode(string_agg(lpad(to_hex(i), 2, '0'), '' ORDER BY i), 'hex') FROM generate_series(0, 255) i)";

		add.column("int2", "NULL", "0", "1", "-1", "-32768", "32767");
		add.column("int4", "NULL", "0", "42", "-2147483648", "2147483647");
		add.column("int8", "NULL", "0", "1", "-9223372036854775808", "9223372036854775807");
		add.column("oid", "0", "1", "2147483648", "4294967295");
		add.column("float4", "NULL", "0", "'-0'", "'NaN'", "'Infinity'", "'-Infinity'", "'3.4028235e38'", "'1.4e-45'",
				"'1.17549435e-38'", "0.1", "-123.456", "1e10", "16777217");
		add.column("float8", "NULL", "0", "'-0'", "'NaN'", "'Infinity'", "'-Infinity'", "'1.7976931348623157e308'",
				"'4.9e-324'", "'2.2250738585072014e-308'", "0.1", "'1e-300'", "123456789.123456789", "pi()",
				"9007199254740993");
		add.column("numeric", "NULL", "0", "'-0'", "1.50", "-1.50", "'NaN'", "'Infinity'", "'-Infinity'",
				"999999999999999999", "-999999999999999999", "1000000000000000000", "-9223372036854775808",
				"12345678901234567890.123456789", "0.000000000000000001", "'0.000'", "'1e-20'",
				"repeat('9', 1000)::numeric", "('-' || repeat('1234567890', 100) || '.5')::numeric",
				"('0.' || repeat('0', 16382) || '1')::numeric", "'1e131071'::numeric");
		add.column("numeric(10,4)", "1.2", "-999999.9999", "0");
		add.column("bool", "NULL", "true", "false");
		add.column("text", "NULL", "''", "'hello'", "'emoji 😀🎉👨‍👩‍👧 and more'", "'日本語テキスト 中文 한국어'",
				"'e' || U&'\\0301' || ' combining'", "'quotes '' \" \\ backslash'", "E'tab\\tnewline\\ncr\\r'",
				"'NULL'", "'{\"a\",1}'", "repeat('x', 1048576)", "repeat('日本', 200000)");
		add.column("varchar(20)", "''", "'abc'", "'ñandú'");
		add.column("varchar", "'x'", "repeat('v', 10000)");
		add.column("char(5)", "'ab'", "''", "'abcde'", "'日本'");
		add.column("bpchar", "'x  '", "'y'");
		add.column("name", "'pg_catalog'", "repeat('n', 63)", "'日本'");
		add.column("\"char\"", "'a'", "'Z'", "'é'", "''");
		add.column("citext", "'MiXeD Case'", "'日本'", "''").requires("citext");
		add.column("uuid", "NULL", "'00000000-0000-0000-0000-000000000000'", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'",
				"'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF'", "'{12345678-1234-5678-9abc-def012345678}'");
		String[] json = { "'{\"a\": \"\\u00e9\\ud83d\\ude00\", \"b\": [1, 2.50, null]}'", "'[]'", "'null'",
				"'\"str\"'", "'  {\"ws\" :  1 }  '", "'{\"q\":\"\\\"quoted\\\" \\\\ back\"}'", "'{\"日本\": \"😀\"}'" };
		add.column("json", json);
		add.column("jsonb", json);
		add.column("bytea", "NULL", "'\\x'", "'\\x00'", allBytes, "convert_to('日本 😀', 'UTF8')", "'\\x5c5c22'",
				"decode(repeat('ab', 100000), 'hex')");
		add.column("date", "NULL", "'2024-02-29'", "'1970-01-01'", "'0001-01-01'", "'0001-12-31 BC'",
				"'0044-03-15 BC'", "'0001-02-29 BC'", "'4713-01-01 BC'", "'5874897-12-31'", "'infinity'",
				"'-infinity'", "'1582-10-10'", "'9999-12-31'", "'10000-01-01'");
		add.column("time", "NULL", "'00:00:00'", "'23:59:59.999999'", "'24:00:00'", "'12:34:56.789'",
				"'00:00:00.000001'", "'13:00:00.1'");
		add.column("time(3)", "'12:34:56.7891'");
		add.column("timetz", "'00:00:00+00'", "'12:00:00+05:30'", "'23:59:59.999999-15:59'", "'24:00:00+00'",
				"'24:00:00+05:30'", "'12:00:00+00:53:28'", "'12:00:00-03:30'", "'00:00:00.000001+15:59'");
		add.column("timestamp", "NULL", "'2024-01-01 00:00:00'", "'2024-06-15 12:34:56.123456'",
				"'1970-01-01 00:00:00'", "'0044-03-15 12:00:00 BC'", "'4713-01-01 00:00:00 BC'",
				"'294276-12-31 23:59:59.999999'", "'infinity'", "'-infinity'", "'1582-10-10 12:00:00'",
				"'2000-02-29 23:59:59.5'", "'0001-02-29 00:00:00 BC'");
		add.column("timestamptz", "NULL", "'2024-01-01 00:00:00+00'", "'2024-06-15 12:34:56.123456+05:30'",
				"'2024-03-10 02:30:00 America/New_York'", "'2024-07-01 12:00:00+14'", "'1800-01-01 00:00:00+00'",
				"'1900-01-01 00:00:00+00'", "'0044-03-15 12:00:00+00 BC'", "'4713-01-01 00:00:00+00 BC'",
				"'294276-12-31 23:59:59.999999+00'", "'infinity'", "'-infinity'", "'1970-01-01 00:00:00.000001+00'");
		add.column("interval", "NULL", "'1 year 2 mons 3 days 04:05:06.789'", "'-1 days'", "'0'",
				"'00:00:00.000001'", "'-178000000 years'", "'1 mon -1 days +02:03:04'", "'123:45:00'");
		add.column("interval", "'infinity'", "'-infinity'").since(170000);

		add.column("int4[]", "NULL", "'{}'", "'{1,2,3}'", "'{1,NULL,3}'", "'{NULL}'", "'{{1,2},{3,4}}'",
				"'{{{1,2}},{{3,4}}}'", "'[0:1]={1,2}'", "'[-2:-1][1:2]={{1,NULL},{3,4}}'",
				"'{-2147483648,2147483647}'");
		add.column("int2[]", "'{1,-32768}'");
		add.column("int8[]", "'{9223372036854775807,NULL}'");
		add.column("oid[]", "'{0,4294967295}'");
		add.column("text[]", "'{}'", "'{a,b}'",
				"ARRAY['a,b', 'c\"d', 'e\\f', '{x}', 'NULL', NULL, '', ' sp ', 'emoji 😀', 'semi;colon', E'tab\\there', 'ü']",
				"ARRAY[ARRAY['a','b'],ARRAY[NULL,'\"']]", "ARRAY['nULl']", "ARRAY[repeat('y', 100000)]",
				"ARRAY['\\\\', '\\\"', '\"\\']");
		add.column("varchar[]", "ARRAY['x', 'y z']");
		add.column("char(2)[]", "ARRAY['a', 'bb']");
		add.column("name[]", "ARRAY['a', 'b c']");
		add.column("\"char\"[]", "ARRAY['a', 'b']::\"char\"[]");
		add.column("bool[]", "'{t,f,NULL}'");
		add.column("float4[]", "'{NaN,Infinity,-Infinity,-0,1.5,NULL}'");
		add.column("float8[]", "'{NaN,Infinity,-Infinity,-0,1.5,NULL,1e-300}'");
		add.column("numeric[]", "'{NaN,Infinity,-Infinity,1.50,NULL,0}'", "ARRAY[repeat('9', 1000)::numeric]");
		add.column("uuid[]", "'{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,NULL}'");
		add.column("bytea[]", "ARRAY['\\x0102'::bytea, NULL, '\\x'::bytea, '\\x5c22'::bytea]", "ARRAY[" + allBytes + "]");
		add.column("date[]", "'{2024-01-01,infinity,-infinity,NULL,\"0044-03-15 BC\"}'");
		add.column("time[]", "'{00:00:00,24:00:00,12:34:56.789}'");
		add.column("timetz[]", "'{12:00:00+05:30,24:00:00+00}'");
		add.column("timestamp[]", "'{\"2024-01-01 00:00:00\",infinity,-infinity,\"0044-03-15 12:00:00 BC\"}'");
		add.column("timestamptz[]",
				"'{\"2024-01-01 00:00:00+00\",infinity,-infinity,\"1800-01-01 00:00:00+00\",NULL}'");
		add.column("interval[]", "'{\"1 day\",\"-1 mons +02:00:00\",NULL}'");
		add.column("json[]", "ARRAY['{\"a\": [1, \"x,y\"]}'::json, 'null'::json, NULL]");
		add.column("jsonb[]", "ARRAY['{\"a\": \"\\u00e9\"}'::jsonb]");
		add.column("inet[]", "'{1.2.3.4,::1/128,NULL}'");
		add.column("money[]", "'{1.50,-2}'");
		add.column("point[]", "'{\"(1,2)\",\"(3.5,-4)\"}'");
		add.column("box[]", "'{(1,2),(0,0);(3,4),(1,1)}'");
		add.column("int4range[]", "'{\"[1,5)\",empty}'");
		add.column("xml[]", "ARRAY['<a x=\"1\"/>'::xml]");
		add.column("varbit[]", "'{101,0}'");
		add.column("mood[]", "'{sad,happy,NULL}'", "ARRAY['très \"heureux\", {}']::mood[]");
		add.column("dint[]", "'{1,NULL,3}'");
		add.column("dtext[]", "'{a,\"b c\",NULL}'");
		add.column("citext[]", "'{a,B}'").requires("citext");
		add.column("pair[]", "ARRAY[ROW(1, 'a,b')::pair, NULL]");

		add.column("inet", "'192.168.0.1'", "'::1'", "'10.0.0.0/8'");
		add.column("cidr", "'10.0.0.0/8'", "'2001:db8::/32'");
		add.column("macaddr", "'08:00:2b:01:02:03'");
		add.column("macaddr8", "'08:00:2b:01:02:03:04:05'");
		add.column("xml", "'<a x=\"1\">ü</a>'", "XMLPARSE(DOCUMENT '<?xml version=\"1.0\"?><r/>')");
		add.column("money", "'12.34'", "'-1'", "'92233720368547758.07'");
		add.column("bit(1)", "B'1'");
		add.column("bit(3)", "B'101'");
		add.column("varbit", "B''", "B'1010'");
		add.column("point", "'(1,2)'");
		add.column("line", "'{1,2,3}'");
		add.column("lseg", "'[(0,0),(1,1)]'");
		add.column("box", "'(1,2),(0,0)'");
		add.column("path", "'[(0,0),(1,1),(2,0)]'");
		add.column("polygon", "'((0,0),(1,1),(2,0))'");
		add.column("circle", "'<(0,0),1>'");
		add.column("int4range", "'[1,5)'", "'empty'", "'(,)'");
		add.column("int8range", "'[1,9223372036854775807)'");
		add.column("numrange", "'[1.5,2.5]'");
		add.column("tsrange", "'[2024-01-01,2024-02-01)'");
		add.column("tstzrange", "'[2024-01-01 00:00:00+00,infinity)'");
		add.column("daterange", "'[2024-01-01,2024-02-01)'");
		add.column("int4multirange", "'{[1,3),[5,7)}'");
		add.column("pair", "ROW(1, 'x y')", "ROW(NULL, '\"')");
		add.column("hstore", "'a=>1, b=>NULL, \"c d\"=>\"e\"'").requires("hstore");
		add.column("tsvector", "'a fat cat'");
		add.column("tsquery", "'fat & rat'");
		add.column("pg_lsn", "'16/B374D848'");
		add.column("xid8", "'42'");
		add.column("jsonpath", "'$.a[*] ? (@ > 1)'");
		add.column("regclass", "'pg_class'");
		add.column("mood", "NULL", "'sad'", "'happy'", "'très \"heureux\", {}'");
		add.column("dint", "NULL", "5", "-2147483648");
		add.column("dtext", "'x'", "''");
		add.column("ddint", "7");
		add.column("dintarr", "'{1,2}'", "'{}'");
		add.column("dts", "'2024-01-01 00:00:00+05:30'", "'infinity'");
		return add.columns;
	}

	private static final class Columns {

		private final List<Column> columns = new ArrayList<>();

		Columns column(String type, String... values) {
			this.columns.add(new Column(this.columns.size(), type, List.of(values), null, 0));
			return this;
		}

		Columns requires(String extension) {
			int last = this.columns.size() - 1;
			this.columns.set(last, this.columns.get(last).requires(extension));
			return this;
		}

		Columns since(int version) {
			int last = this.columns.size() - 1;
			this.columns.set(last, this.columns.get(last).since(version));
			return this;
		}

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
				.isInstanceOf(DateTimeException.class);
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
		String table = sample.column().table();
		try (Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT v FROM " + table + " WHERE id = " + sample.id())) {
			assertTrue(rs.next());
			if (rs.getMetaData().getColumnType(1) != Types.ARRAY) {
				return scalarOracle(rs, 1);
			}
			if (rs.getString(1) == null) {
				return null;
			}
		}
		return arrayOracle(connection, table, sample.id());
	}

	private static Object scalarOracle(ResultSet rs, int column) throws SQLException {
		return switch (rs.getMetaData().getColumnTypeName(column)) {
			case "date" -> rs.getObject(column, LocalDate.class);
			case "time" -> rs.getObject(column, LocalTime.class);
			case "timetz" -> rs.getObject(column, OffsetTime.class);
			case "timestamp" -> rs.getObject(column, LocalDateTime.class);
			case "timestamptz" -> toUtc(rs.getObject(column, OffsetDateTime.class));
			case "int2", "int4", "int8", "oid", "float4", "float8", "numeric", "bool", "text", "varchar", "bpchar",
					"name", "char", "uuid", "bytea", "interval" ->
				rs.getObject(column);
			default -> rs.getString(column);
		};
	}

	private static OffsetDateTime toUtc(OffsetDateTime value) {
		if (value == null || value.equals(OffsetDateTime.MAX) || value.equals(OffsetDateTime.MIN)) {
			return value;
		}
		return value.withOffsetSameInstant(ZoneOffset.UTC);
	}

	/**
	 * Build the expected list of an array value from pgjdbc's scalar {@code getObject} of each element
	 * (via {@code unnest}), shaped by {@code array_dims}.
	 *
	 * <p>Not {@code Array.getArray()}: for numeric arrays holding NaN it throws, for arrays of domains
	 * it gives {@code PGobject}s, and its {@code java.sql.Date}/{@code Time}/{@code Timestamp}
	 * elements cannot express infinity, BC years, 24:00 or a timetz offset.
	 */
	private static Object arrayOracle(Connection connection, String table, int id) throws SQLException {
		String dims = query(connection, "SELECT array_dims(v) FROM " + table + " WHERE id = " + id);
		List<Object> elements = new ArrayList<>();
		// unnest in the select list, not in FROM, where it would split composite elements into columns
		try (Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT unnest(v) FROM " + table + " WHERE id = " + id)) {
			while (rs.next()) {
				elements.add(scalarOracle(rs, 1));
			}
		}
		if (dims == null) {
			return List.of();
		}
		List<Integer> lengths = new ArrayList<>();
		Matcher matcher = Pattern.compile("\\[(-?\\d+):(-?\\d+)]").matcher(dims);
		while (matcher.find()) {
			lengths.add(Integer.parseInt(matcher.group(2)) - Integer.parseInt(matcher.group(1)) + 1);
		}
		int[] position = { 0 };
		Object shaped = shape(elements, lengths, 0, position);
		assertThat(position[0]).isEqualTo(elements.size());
		return shaped;
	}

	private static List<Object> shape(List<Object> elements, List<Integer> lengths, int dimension, int[] position) {
		List<Object> list = new ArrayList<>();
		for (int i = 0; i < lengths.get(dimension); i++) {
			list.add((dimension + 1 < lengths.size()) ? shape(elements, lengths, dimension + 1, position)
					: elements.get(position[0]++));
		}
		return list;
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
