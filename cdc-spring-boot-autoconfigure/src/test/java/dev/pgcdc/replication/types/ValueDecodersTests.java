package dev.pgcdc.replication.types;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pgcdc.event.PgRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.geometric.PGbox;
import org.postgresql.util.PGInterval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link ValueDecoders} and the scalar decoders, without a database: odd inputs and the
 * way types are resolved. {@link ValueDecodersOracleTests} checks real server output against pgjdbc.
 */
class ValueDecodersTests {

	private static final ValueDecoders BUILT_IN = new ValueDecoders(TypeLookup.builtIn());

	@ParameterizedTest
	@CsvSource({ "0, 0", "-0, 0", "+7, 7", "2147483647, 2147483647", "-2147483648, -2147483648" })
	void int4(String text, int expected) {
		assertThat(decode(BuiltInTypes.INT4, text)).isEqualTo(expected);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "-", "+", "2147483648", "-2147483649", "1a", " 1", "1.0", "99999999999999999999" })
	void int4RejectsWhatIsNotAnInt(String text) {
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BuiltInTypes.INT4, text))
			.withMessageContaining("int4");
	}

	@Test
	void int8KeepsTheFullRange() {
		assertThat(decode(BuiltInTypes.INT8, "-9223372036854775808")).isEqualTo(Long.MIN_VALUE);
		assertThat(decode(BuiltInTypes.INT8, "9223372036854775807")).isEqualTo(Long.MAX_VALUE);
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BuiltInTypes.INT8, "9223372036854775808"));
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BuiltInTypes.INT8, "-9223372036854775809"));
	}

	@Test
	void int2IsAnIntegerAndOidALong() {
		assertThat(decode(BuiltInTypes.INT2, "-32768")).isEqualTo(-32768);
		assertThat(decode(BuiltInTypes.OID, "4294967295")).isEqualTo(4294967295L);
	}

	@ParameterizedTest
	@ValueSource(strings = { "0", "1.50", "-1.50", "0.000", ".5", "123456789012345678", "-123456789012345678",
			"1234567890123456789", "0.000000000000000000001", "99999999999999999999999999999.999999999", "1e5",
			"-0.0010" })
	void numericKeepsScaleOnFastAndSlowPath(String text) {
		Object decoded = decode(BuiltInTypes.NUMERIC, text);
		assertThat(decoded).isInstanceOf(BigDecimal.class).isEqualTo(new BigDecimal(text));
	}

	@Test
	void numericSpecialValuesAreDoubles() {
		assertThat(decode(BuiltInTypes.NUMERIC, "NaN")).isEqualTo(Double.NaN);
		assertThat(decode(BuiltInTypes.NUMERIC, "Infinity")).isEqualTo(Double.POSITIVE_INFINITY);
		assertThat(decode(BuiltInTypes.NUMERIC, "-Infinity")).isEqualTo(Double.NEGATIVE_INFINITY);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "-", ".", "1.2.3", "abc", "1,5" })
	void numericRejectsGarbage(String text) {
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BuiltInTypes.NUMERIC, text))
			.withMessageContaining("numeric");
	}

	@Test
	void floatsKeepNegativeZeroAndSpecialValues() {
		assertThat(decode(BuiltInTypes.FLOAT4, "-0")).isEqualTo(-0.0f);
		assertThat(decode(BuiltInTypes.FLOAT4, "NaN")).isEqualTo(Float.NaN);
		assertThat(decode(BuiltInTypes.FLOAT8, "-Infinity")).isEqualTo(Double.NEGATIVE_INFINITY);
		assertThat(decode(BuiltInTypes.FLOAT8, "4.9e-324")).isEqualTo(Double.MIN_VALUE);
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BuiltInTypes.FLOAT8, "one"));
	}

	@Test
	void boolIsTOrF() {
		assertThat(decode(BuiltInTypes.BOOL, "t")).isEqualTo(true);
		assertThat(decode(BuiltInTypes.BOOL, "f")).isEqualTo(false);
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BuiltInTypes.BOOL, "true"));
	}

	@Test
	void uuidAcceptsEitherCaseAndRejectsOtherShapes() {
		UUID uuid = UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
		assertThat(decode(BuiltInTypes.UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")).isEqualTo(uuid);
		assertThat(decode(BuiltInTypes.UUID, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11")).isEqualTo(uuid);
		assertThat(decode(BuiltInTypes.UUID, "ffffffff-ffff-ffff-ffff-ffffffffffff")).isEqualTo(new UUID(-1, -1));
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BuiltInTypes.UUID, "a0eebc999c0b4ef8bb6d6bb9bd380a11"));
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BuiltInTypes.UUID, "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BuiltInTypes.UUID, "a0eebc99-9c0b-4ef8-bb6d+6bb9bd380a11"));
	}

	@Test
	void byteaHexFormat() {
		assertThat((byte[]) decode(BuiltInTypes.BYTEA, "\\x")).isEmpty();
		assertThat((byte[]) decode(BuiltInTypes.BYTEA, "\\x00aBfF")).containsExactly(0, 0xab, 0xff);
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BuiltInTypes.BYTEA, "\\x0"));
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BuiltInTypes.BYTEA, "\\x0g"));
	}

	@Test
	void byteaEscapeFormat() {
		assertThat((byte[]) decode(BuiltInTypes.BYTEA, "")).isEmpty();
		assertThat((byte[]) decode(BuiltInTypes.BYTEA, "a\\\\b\\000\\377\\\\x")).containsExactly('a', '\\', 'b', 0, 0xff,
				'\\', 'x');
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BuiltInTypes.BYTEA, "\\8"));
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BuiltInTypes.BYTEA, "\\00"));
	}

	@Test
	void dates() {
		assertThat(decode(BuiltInTypes.DATE, "2024-02-29")).isEqualTo(LocalDate.of(2024, 2, 29));
		assertThat(decode(BuiltInTypes.DATE, "0044-03-15 BC")).isEqualTo(LocalDate.of(-43, 3, 15));
		assertThat(decode(BuiltInTypes.DATE, "0001-02-29 BC")).isEqualTo(LocalDate.of(0, 2, 29));
		assertThat(decode(BuiltInTypes.DATE, "5874897-12-31")).isEqualTo(LocalDate.of(5874897, 12, 31));
		assertThat(decode(BuiltInTypes.DATE, "infinity")).isEqualTo(LocalDate.MAX);
		assertThat(decode(BuiltInTypes.DATE, "-infinity")).isEqualTo(LocalDate.MIN);
	}

	@ParameterizedTest
	@ValueSource(strings = { "2023-02-29", "24-01-01", "2024-1-01", "2024-01-01 AD", "2024-01-01 BC ", "infinite",
			"2024-13-01" })
	void badDatesAreRejected(String text) {
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BuiltInTypes.DATE, text))
			.withMessageContaining("date");
	}

	@Test
	void times() {
		assertThat(decode(BuiltInTypes.TIME, "00:00:00")).isEqualTo(LocalTime.MIDNIGHT);
		assertThat(decode(BuiltInTypes.TIME, "23:59:59.999999")).isEqualTo(LocalTime.of(23, 59, 59, 999_999_000));
		assertThat(decode(BuiltInTypes.TIME, "12:00:00.5")).isEqualTo(LocalTime.of(12, 0, 0, 500_000_000));
		assertThat(decode(BuiltInTypes.TIME, "24:00:00")).isEqualTo(LocalTime.MAX);
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BuiltInTypes.TIME, "24:00:01"));
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BuiltInTypes.TIME, "12:00"));
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BuiltInTypes.TIME, "12:00:00."));
	}

	@Test
	void timesWithTimeZoneKeepTheirOffset() {
		assertThat(decode(BuiltInTypes.TIMETZ, "12:00:00+05:30"))
			.isEqualTo(OffsetTime.of(12, 0, 0, 0, ZoneOffset.ofHoursMinutes(5, 30)));
		assertThat(decode(BuiltInTypes.TIMETZ, "12:00:00.25-00:53:28"))
			.isEqualTo(OffsetTime.of(12, 0, 0, 250_000_000, ZoneOffset.ofHoursMinutesSeconds(0, -53, -28)));
		assertThat(decode(BuiltInTypes.TIMETZ, "12:00:00+00")).isEqualTo(OffsetTime.of(12, 0, 0, 0, ZoneOffset.UTC));
		assertThat(decode(BuiltInTypes.TIMETZ, "24:00:00+05:30")).isEqualTo(OffsetTime.MAX);
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BuiltInTypes.TIMETZ, "12:00:00"));
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BuiltInTypes.TIMETZ, "12:00:00+5"));
	}

	@Test
	void timestamps() {
		assertThat(decode(BuiltInTypes.TIMESTAMP, "2024-06-15 12:34:56.123456"))
			.isEqualTo(LocalDateTime.of(2024, 6, 15, 12, 34, 56, 123_456_000));
		assertThat(decode(BuiltInTypes.TIMESTAMP, "4713-01-01 00:00:00 BC"))
			.isEqualTo(LocalDateTime.of(-4712, 1, 1, 0, 0));
		assertThat(decode(BuiltInTypes.TIMESTAMP, "294276-12-31 23:59:59.999999"))
			.isEqualTo(LocalDateTime.of(294276, 12, 31, 23, 59, 59, 999_999_000));
		assertThat(decode(BuiltInTypes.TIMESTAMP, "infinity")).isEqualTo(LocalDateTime.MAX);
		assertThat(decode(BuiltInTypes.TIMESTAMP, "-infinity")).isEqualTo(LocalDateTime.MIN);
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BuiltInTypes.TIMESTAMP, "2024-06-15T12:34:56"));
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BuiltInTypes.TIMESTAMP, "2024-06-15 12:34:56+00"));
	}

	@Test
	void timestampsWithTimeZoneAreNormalizedToUtc() {
		assertThat(decode(BuiltInTypes.TIMESTAMPTZ, "2024-01-01 05:30:00+05:30"))
			.isEqualTo(OffsetDateTime.of(2024, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC));
		assertThat(decode(BuiltInTypes.TIMESTAMPTZ, "1800-01-01 05:53:28+05:53:28"))
			.isEqualTo(OffsetDateTime.of(1800, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC));
		assertThat(decode(BuiltInTypes.TIMESTAMPTZ, "1799-12-31 20:29:08-03:30:52"))
			.isEqualTo(OffsetDateTime.of(1800, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC));
		assertThat(decode(BuiltInTypes.TIMESTAMPTZ, "294277-01-01 05:29:59.999999+05:30"))
			.isEqualTo(OffsetDateTime.of(294276, 12, 31, 23, 59, 59, 999_999_000, ZoneOffset.UTC));
		assertThat(decode(BuiltInTypes.TIMESTAMPTZ, "0044-03-15 17:30:00+05:30 BC"))
			.isEqualTo(OffsetDateTime.of(-43, 3, 15, 12, 0, 0, 0, ZoneOffset.UTC));
		assertThatIllegalArgumentException().isThrownBy(() -> decode(BuiltInTypes.TIMESTAMPTZ, "2024-01-01 00:00:00"));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> decode(BuiltInTypes.TIMESTAMPTZ, "2024-01-01 00:00:00 UTC"));
	}

	@Test
	void infiniteTimestampsWithTimeZoneAreMaxAndMinAsInPgjdbc() {
		assertThat(decode(BuiltInTypes.TIMESTAMPTZ, "infinity")).isEqualTo(OffsetDateTime.MAX);
		assertThat(decode(BuiltInTypes.TIMESTAMPTZ, "-infinity")).isEqualTo(OffsetDateTime.MIN);
	}

	@Test
	void intervalIsPgInterval() throws Exception {
		assertThat(decode(BuiltInTypes.INTERVAL, "1 year 2 mons -3 days 04:05:06.789"))
			.isEqualTo(new PGInterval(1, 2, -3, 4, 5, 6.789));
	}

	@Test
	void textTypesDecodeUtf8() {
		assertThat(decode(BuiltInTypes.TEXT, "😀 日本 e\u0301")).isEqualTo("😀 日本 e\u0301");
		assertThat(decode(BuiltInTypes.TEXT, "")).isEqualTo("");
		assertThat(decode(BuiltInTypes.BPCHAR, "ab   ")).isEqualTo("ab   ");
		assertThat(decode(BuiltInTypes.JSONB, "{\"a\": 1}")).isEqualTo("{\"a\": 1}");
	}

	@Test
	void unknownTypesDecodeToString() {
		ValueDecoders decoders = new ValueDecoders((oid) -> null);
		assertThat(decoders.forType(869).decode(bytes("10.0.0.1"), 0, 8)).isEqualTo("10.0.0.1");
		assertThat(decoders.forType(123456).decode(bytes("whatever"), 0, 8)).isEqualTo("whatever");
	}

	@Test
	void builtInArraysNeedNoLookup() {
		ValueDecoders decoders = new ValueDecoders((oid) -> {
			throw new AssertionError("looked up " + oid);
		});
		assertThat(decode(decoders, 1007, "{1,NULL}")).isEqualTo(Arrays.asList(1, null));
		assertThat(decode(decoders, 1020, "{(1,1),(0,0);(2,2),(1,1)}"))
			.isEqualTo(List.of(new PGbox(1, 1, 0, 0), new PGbox(2, 2, 1, 1)));
		assertThat(decode(decoders, BuiltInTypes.TIMESTAMPTZ, "infinity")).isEqualTo(OffsetDateTime.MAX);
	}

	@ParameterizedTest(name = "{0} {1}")
	@CsvSource(delimiter = '|', value = { "3904|[1,5", "3904|1,5)", "3904|[1;5)", "3904|emptyish", "4451|{[1,3)",
			"4451|{[1,3);[4,5)}", "4451|[1,3)", "790|$", "790|abc", "600|(a,b)", "718|<(0,0)>",
			"70001|a=>1", "70001|\"a\"=>", "70001|\"a\"=\"b\"", "70002|(1,x", "70002|(1,x,y)", "70002|1,x)" })
	void malformedTextFailsNamingTheType(int oid, String text) {
		Map<Integer, PgType> types = Map.of(70001, new PgType(70001, "public", "hstore", PgType.BASE, 0, 0, ','), 70002,
				new PgType(70002, "public", "pair", PgType.COMPOSITE, 0, 0, ',', 0,
						List.of(new PgType.Attribute("a", BuiltInTypes.INT4), new PgType.Attribute("b", BuiltInTypes.TEXT))));
		ValueDecoders decoders = new ValueDecoders(types::get);
		assertThatIllegalArgumentException().isThrownBy(() -> decode(decoders, oid, text))
			.withMessageStartingWith("Invalid ")
			.withMessageContaining(" text: '");
	}

	@Test
	@SuppressWarnings("unchecked")
	void structuredTypesDecodeWithoutADatabase() {
		Map<Integer, PgType> types = Map.of(70002, new PgType(70002, "public", "pair", PgType.COMPOSITE, 0, 0, ',', 0,
				List.of(new PgType.Attribute("a", BuiltInTypes.INT4), new PgType.Attribute("b", BuiltInTypes.TEXT))));
		ValueDecoders decoders = new ValueDecoders(types::get);
		assertThat(decode(decoders, 3904, "[1,5)")).isEqualTo(new PgRange<>(1, 5, true, false, false));
		assertThat(decode(decoders, 3904, "empty")).isEqualTo(PgRange.emptyRange());
		assertThat(decode(decoders, 3904, "(,)")).isEqualTo(new PgRange<>(null, null, false, false, false));
		assertThat(decode(decoders, 4451, "{[1,3), [5,)}"))
			.isEqualTo(List.of(new PgRange<>(1, 3, true, false, false), new PgRange<>(5, null, true, false, false)));
		assertThat(decode(decoders, 70002, "(7,\"x \"\"y\"\"\")")).isEqualTo(Map.of("a", 7, "b", "x \"y\""));
		assertThat(decode(decoders, 70002, "(,)")).isEqualTo(Arrays.stream(new String[] { "a", "b" })
			.collect(HashMap::new, (map, key) -> map.put(key, null), HashMap::putAll));
		assertThat(decode(decoders, BuiltInTypes.MONEY, "-$1,234.50")).isEqualTo(-1234.5);
		assertThat(decode(decoders, BuiltInTypes.MONEY, "($2.00)")).isEqualTo(-2.0);
		assertThat(decode(decoders, BuiltInTypes.BIT, "1")).isEqualTo(true);
		assertThat(decode(decoders, BuiltInTypes.BIT, "10")).isEqualTo("10");
		assertThatExceptionOfType(UnsupportedOperationException.class)
			.isThrownBy(() -> ((Map<String, Object>) decode(decoders, 70002, "(1,x)")).put("a", 2));
		assertThatExceptionOfType(UnsupportedOperationException.class)
			.isThrownBy(() -> ((List<Object>) decode(decoders, 4451, "{[1,3)}")).clear());
	}

	@Test
	@SuppressWarnings("unchecked")
	void hstoreIsAnUnmodifiableMapInServerOrder() {
		ValueDecoders decoders = new ValueDecoders(
				Map.of(70001, new PgType(70001, "public", "hstore", PgType.BASE, 0, 0, ','))::get);
		Map<String, String> map = (Map<String, String>) decode(decoders, 70001, "\"b\"=>\"1\", \"a\"=>NULL, \"q\\\"\"=>\"\\\\\"");
		assertThat(map.keySet()).containsExactly("b", "a", "q\"");
		assertThat(map.get("q\"")).isEqualTo("\\");
		assertThat(map).containsEntry("a", null);
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(() -> map.put("c", "d"));
		assertThat(decode(decoders, 70001, "")).isEqualTo(Map.of());
	}

	@Test
	void domainsDecodeAsTheirBaseTypeThroughAnyNumberOfLevels() {
		Map<Integer, PgType> types = new HashMap<>();
		types.put(50001, new PgType(50001, "public", "positive", PgType.DOMAIN, BuiltInTypes.INT4, 0, ','));
		types.put(50002, new PgType(50002, "public", "small_positive", PgType.DOMAIN, 50001, 0, ','));
		types.put(50003, new PgType(50003, "public", "_small_positive", PgType.BASE, 0, 50002, ','));
		types.put(50004, new PgType(50004, "public", "int_list", PgType.DOMAIN, 1007, 0, ','));
		ValueDecoders decoders = new ValueDecoders(types::get);
		assertThat(decode(decoders, 50002, "42")).isEqualTo(42);
		assertThat(decode(decoders, 50003, "{1,NULL}")).isEqualTo(Arrays.asList(1, null));
		assertThat(decode(decoders, 50004, "{{1},{2}}")).isEqualTo(List.of(List.of(1), List.of(2)));
	}

	@Test
	void enumsAndTheirArraysAreStrings() {
		Map<Integer, PgType> types = Map.of(60001, new PgType(60001, "public", "mood", PgType.ENUM, 0, 0, ','), 60002,
				new PgType(60002, "public", "_mood", PgType.BASE, 0, 60001, ','));
		ValueDecoders decoders = new ValueDecoders(types::get);
		assertThat(decode(decoders, 60001, "happy")).isEqualTo("happy");
		assertThat(decode(decoders, 60002, "{sad,\"very happy\",NULL}"))
			.isEqualTo(Arrays.asList("sad", "very happy", null));
	}

	@Test
	void citextIsRecognisedByNameWhateverItsOid() {
		Map<Integer, PgType> types = Map.of(70001, new PgType(70001, "ext", "citext", PgType.BASE, 0, 0, ','), 70002,
				new PgType(70002, "ext", "_citext", PgType.BASE, 0, 70001, ','));
		ValueDecoders decoders = new ValueDecoders(types::get);
		assertThat(decode(decoders, 70001, "MiXeD")).isEqualTo("MiXeD");
		assertThat(decode(decoders, 70002, "{a,B}")).isEqualTo(List.of("a", "B"));
	}

	@Test
	void decodersAreCachedPerOidAndTheLookupAskedOnce() {
		AtomicInteger lookups = new AtomicInteger();
		ValueDecoders decoders = new ValueDecoders((oid) -> {
			lookups.incrementAndGet();
			return (oid == 80001) ? new PgType(80001, "public", "d", PgType.DOMAIN, BuiltInTypes.UUID, 0, ',') : null;
		});
		ValueDecoder first = decoders.forType(80001);
		assertThat(decoders.forType(80001)).isSameAs(first);
		assertThat(decoders.forType(BuiltInTypes.INT4)).isSameAs(decoders.forType(BuiltInTypes.INT4));
		assertThat(lookups).hasValue(1);
	}

	@Test
	void cyclicDomainsFailInsteadOfLooping() {
		ValueDecoders decoders = new ValueDecoders(
				(oid) -> new PgType(oid, "public", "loop", PgType.DOMAIN, (oid == 90001) ? 90002 : 90001, 0, ','));
		assertThatIllegalStateException().isThrownBy(() -> decoders.forType(90001)).withMessageContaining("90001");
	}

	private static Object decode(int oid, String text) {
		return decode(BUILT_IN, oid, text);
	}

	private static Object decode(ValueDecoders decoders, int oid, String text) {
		// Decode from the middle of a larger buffer, as values sit inside a message.
		byte[] value = bytes(text);
		byte[] buffer = new byte[value.length + 6];
		System.arraycopy(value, 0, buffer, 3, value.length);
		buffer[0] = '{';
		buffer[buffer.length - 1] = '9';
		return decoders.forType(oid).decode(buffer, 3, value.length);
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
