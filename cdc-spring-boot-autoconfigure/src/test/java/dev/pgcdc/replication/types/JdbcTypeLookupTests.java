package dev.pgcdc.replication.types;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import javax.sql.DataSource;

import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.geometric.PGbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Tests for {@link JdbcTypeLookup} and the built-in type table, against a real {@code pg_type}.
 */
class JdbcTypeLookupTests {

	private static TestDatabase database;

	private static JdbcTypeLookup lookup;

	private static String citextUnavailable;

	@BeforeAll
	static void createTypes() {
		database = EmbeddedPostgresSupport.createDatabase("type_lookup");
		try {
			database.execute("CREATE EXTENSION citext");
		}
		catch (IllegalStateException ex) {
			citextUnavailable = String.valueOf(ex.getCause());
		}
		database.execute("CREATE TYPE mood AS ENUM ('sad', 'happy')", "CREATE DOMAIN dint AS int4",
				"CREATE DOMAIN ddint AS dint CHECK (VALUE > 0)", "CREATE TYPE pair AS (a int4, b text)",
				"CREATE TYPE floatrange AS RANGE (subtype = float8)", "CREATE SCHEMA other",
				"CREATE TYPE other.mood AS ENUM ('x')", "CREATE DOMAIN boxes AS box[]");
		lookup = new JdbcTypeLookup(database.dataSource());
	}

	static Stream<Integer> builtInOids() {
		return BuiltInTypes.all().keySet().stream().sorted();
	}

	@ParameterizedTest(name = "built-in type OID {0}")
	@MethodSource("builtInOids")
	void builtInTypeIsWhatPgTypeSays(int oid) {
		assertThat(lookup.load(oid)).contains(BuiltInTypes.find(oid));
	}

	@ParameterizedTest(name = "{0} is OID {1}, its array OID {2}")
	@CsvSource({ "bool, 16, 1000", "bytea, 17, 1001", "char, 18, 1002", "name, 19, 1003", "int8, 20, 1016",
			"int2, 21, 1005", "int4, 23, 1007", "text, 25, 1009", "oid, 26, 1028", "json, 114, 199", "xml, 142, 143",
			"float4, 700, 1021", "float8, 701, 1022", "money, 790, 791", "macaddr, 829, 1040", "inet, 869, 1041",
			"cidr, 650, 651", "bpchar, 1042, 1014", "varchar, 1043, 1015", "date, 1082, 1182", "time, 1083, 1183",
			"timestamp, 1114, 1115", "timestamptz, 1184, 1185", "interval, 1186, 1187", "timetz, 1266, 1270",
			"bit, 1560, 1561", "varbit, 1562, 1563", "numeric, 1700, 1231", "uuid, 2950, 2951", "jsonb, 3802, 3807" })
	void designTableOidsAreBuiltInAndMatchPgType(String name, int oid, int arrayOid) throws SQLException {
		assertThat(query("SELECT oid || '/' || typarray FROM pg_type WHERE typname = '" + name
				+ "' AND typnamespace = 'pg_catalog'::regnamespace"))
			.isEqualTo(oid + "/" + arrayOid);
		assertThat(BuiltInTypes.find(oid)).extracting(PgType::name).isEqualTo(name);
		assertThat(BuiltInTypes.find(arrayOid)).extracting(PgType::elementOid).isEqualTo(oid);
	}

	@Test
	void builtInTypesNeedNoQuery() {
		JdbcTypeLookup offline = new JdbcTypeLookup(failingDataSource());
		assertThat(offline.find(23).name()).isEqualTo("int4");
		assertThat(offline.find(1020).delimiter()).isEqualTo(';');
		assertThat(offline.find(3807).elementOid()).isEqualTo(3802);
	}

	@Test
	void domainChainAndArrayComeBackInOneQuery() throws SQLException {
		int arrayOid = oid("_ddint");
		AtomicInteger connections = new AtomicInteger();
		JdbcTypeLookup counting = new JdbcTypeLookup(countingDataSource(connections));
		PgType array = counting.find(arrayOid);
		assertThat(array.isArray()).isTrue();
		PgType ddint = counting.find(array.elementOid());
		assertThat(ddint).isEqualTo(new PgType(oid("ddint"), "public", "ddint", PgType.DOMAIN, oid("dint"), 0, ','));
		assertThat(counting.find(ddint.baseTypeOid()))
			.isEqualTo(new PgType(oid("dint"), "public", "dint", PgType.DOMAIN, 23, 0, ','));
		assertThat(counting.find(arrayOid)).isSameAs(array);
		assertThat(connections).hasValue(1);
		assertThat(new ValueDecoders(counting).forType(arrayOid).decode(bytes("{1,NULL}"), 0, 8))
			.isEqualTo(Arrays.asList(1, null));
	}

	@Test
	void enumsCompositesAndRangesHaveTheirKind() throws SQLException {
		assertThat(lookup.find(oid("mood"))).isEqualTo(new PgType(oid("mood"), "public", "mood", PgType.ENUM, 0, 0, ','));
		assertThat(lookup.find(oid("_mood")).elementOid()).isEqualTo(oid("mood"));
		assertThat(lookup.find(oid("other.mood")).namespace()).isEqualTo("other");
		assertThat(lookup.find(oid("pair")).kind()).isEqualTo(PgType.COMPOSITE);
		assertThat(lookup.find(oid("floatrange")).kind()).isEqualTo(PgType.RANGE);
		assertThat(lookup.find(oid("floatmultirange")).kind()).isEqualTo(PgType.MULTIRANGE);
	}

	@Test
	void domainOverBoxArrayKeepsTheSemicolonDelimiter() throws SQLException {
		ValueDecoders decoders = new ValueDecoders(lookup);
		String text = "{(1,1),(0,0);(2,2),(1,1)}";
		assertThat(decoders.forType(oid("boxes")).decode(bytes(text), 0, text.length()))
			.isEqualTo(List.of(new PGbox(1, 1, 0, 0), new PGbox(2, 2, 1, 1)));
	}

	@Test
	void citextIsFoundByOidAndDecodesAsString() throws SQLException {
		assumeTrue(citextUnavailable == null, () -> "citext extension is not available: " + citextUnavailable);
		PgType citext = lookup.find(oid("citext"));
		assertThat(citext.name()).isEqualTo("citext");
		ValueDecoders decoders = new ValueDecoders(lookup);
		assertThat(decoders.forType(citext.oid()).decode(bytes("MiXeD"), 0, 5)).isEqualTo("MiXeD");
		assertThat(decoders.forType(oid("_citext")).decode(bytes("{a,B}"), 0, 5)).isEqualTo(List.of("a", "B"));
	}

	@Test
	void unknownOidIsNull() {
		assertThat(lookup.find(-2)).isNull();
		assertThat(lookup.find(999_999_999)).isNull();
	}

	@Test
	void failedQueryIsIllegalStateException() {
		JdbcTypeLookup offline = new JdbcTypeLookup(failingDataSource());
		assertThatIllegalStateException().isThrownBy(() -> offline.find(99_999)).withMessageContaining("99999");
	}

	private static int oid(String type) throws SQLException {
		return Integer.parseInt(query("SELECT '" + type + "'::regtype::oid"));
	}

	private static String query(String sql) throws SQLException {
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery(sql)) {
			rs.next();
			return rs.getString(1);
		}
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	private static DataSource countingDataSource(AtomicInteger connections) {
		DataSource target = database.dataSource();
		return (DataSource) Proxy.newProxyInstance(JdbcTypeLookupTests.class.getClassLoader(),
				new Class<?>[] { DataSource.class }, (proxy, method, args) -> {
					if (method.getName().equals("getConnection")) {
						connections.incrementAndGet();
					}
					try {
						return method.invoke(target, args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getCause();
					}
				});
	}

	private static DataSource failingDataSource() {
		return (DataSource) Proxy.newProxyInstance(JdbcTypeLookupTests.class.getClassLoader(),
				new Class<?>[] { DataSource.class }, (proxy, method, args) -> {
					throw new SQLException("no database here");
				});
	}

}
