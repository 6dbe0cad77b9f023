package dev.pgcdc.redis;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.postgresql.util.PGInterval;

import dev.pgcdc.event.Row;
import dev.pgcdc.redis.DebeziumValueEncoder.BinaryHandling;
import dev.pgcdc.redis.DebeziumValueEncoder.DecimalHandling;
import dev.pgcdc.redis.DebeziumValueEncoder.TimePrecision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The Debezium value encodings, one type at a time. Expected values marked "documented" are the example values
 * of Debezium's documentation (PostgreSQL connector data type mappings, Debezium Server's Redis sink example, the
 * outbox event router example, the PostgreSQL logical message example); the others follow from the documented
 * rules (Kafka Connect Decimal bytes, VariableScaleDecimal, MicroDuration's 365.25 / 12 days per month).
 */
class DebeziumValueEncoderTests {

	static final int DATE = 1082;

	static final int TIME = 1083;

	static final int TIMESTAMP = 1114;

	static final int TIMESTAMPTZ = 1184;

	static final int TIMETZ = 1266;

	private final DebeziumValueEncoder defaults = DebeziumValueEncoder.defaults();

	/** The atttypmod of numeric(precision, scale). */
	static int numeric(int precision, int scale) {
		return ((precision << 16) | (scale & 0x7FF)) + 4;
	}

	private String encode(DebeziumValueEncoder encoder, Object value, int oid, int typeModifier) {
		StringBuilder out = new StringBuilder();
		encoder.appendValue(out, value, oid, typeModifier);
		return out.toString();
	}

	private String encode(Object value, int oid, int typeModifier) {
		return encode(this.defaults, value, oid, typeModifier);
	}

	@Test
	void preciseDecimalIsBase64OfTheUnscaledBytesAtTheColumnScale() {
		// documented: Debezium Server's Redis example, sal and comm of scale 4
		assertThat(encode(new BigDecimal("200000.0000"), DebeziumValueEncoder.NUMERIC, numeric(19, 4)))
			.isEqualTo("\"dzWUAA==\"");
		assertThat(encode(new BigDecimal("10.0000"), DebeziumValueEncoder.NUMERIC, numeric(19, 4))).isEqualTo("\"AYag\"");
		assertThat(encode(new BigDecimal("10"), DebeziumValueEncoder.NUMERIC, numeric(19, 4)))
			.as("the column's scale, whatever the value's").isEqualTo("\"AYag\"");
		// two's complement: -1.00 is unscaled -100, one byte 0x9c
		assertThat(encode(new BigDecimal("-1.00"), DebeziumValueEncoder.NUMERIC, numeric(5, 2))).isEqualTo("\"nA==\"");
		// PostgreSQL 15+ negative scale: 12300 in numeric(5,-2) is unscaled 123
		assertThat(encode(new BigDecimal("12300"), DebeziumValueEncoder.NUMERIC, numeric(5, -2))).isEqualTo("\"ew==\"");
	}

	@Test
	void numericWithoutScaleIsAVariableScaleDecimalWithTrailingZerosStripped() {
		assertThat(encode(new BigDecimal("10.50"), DebeziumValueEncoder.NUMERIC, -1))
			.isEqualTo("{\"scale\":1,\"value\":\"aQ==\"}");
		assertThat(encode(new BigDecimal("200000.0000"), DebeziumValueEncoder.NUMERIC, -1))
			.as("2E+5 is written at scale 0").isEqualTo("{\"scale\":0,\"value\":\"Aw1A\"}");
		assertThat(encode(new BigDecimal("0.000"), DebeziumValueEncoder.NUMERIC, -1))
			.isEqualTo("{\"scale\":0,\"value\":\"AA==\"}");
	}

	@Test
	void doubleAndStringDecimalHandling() {
		DebeziumValueEncoder doubles = new DebeziumValueEncoder(DecimalHandling.DOUBLE, TimePrecision.ADAPTIVE,
				BinaryHandling.BYTES);
		DebeziumValueEncoder strings = new DebeziumValueEncoder(DecimalHandling.STRING, TimePrecision.ADAPTIVE,
				BinaryHandling.BYTES);
		assertThat(encode(doubles, new BigDecimal("10.50"), DebeziumValueEncoder.NUMERIC, numeric(10, 2))).isEqualTo("10.5");
		assertThat(encode(strings, new BigDecimal("10.50"), DebeziumValueEncoder.NUMERIC, numeric(10, 2)))
			.isEqualTo("\"10.50\"");
		assertThat(encode(strings, new BigDecimal("10.50"), DebeziumValueEncoder.NUMERIC, -1)).isEqualTo("\"10.50\"");
		// NaN: the documented string constant in string mode, Double.NaN (quoted by Jackson) in double mode
		assertThat(encode(strings, Double.NaN, DebeziumValueEncoder.NUMERIC, -1)).isEqualTo("\"NAN\"");
		assertThat(encode(doubles, Double.NaN, DebeziumValueEncoder.NUMERIC, -1)).isEqualTo("\"NaN\"");
		assertThat(encode(Double.POSITIVE_INFINITY, DebeziumValueEncoder.NUMERIC, -1))
			.as("precise cannot hold it: written as string mode writes it").isEqualTo("\"POSITIVE_INFINITY\"");
		assertThat(encode(Double.NaN, 701, -1)).as("a float8 NaN").isEqualTo("\"NaN\"");
	}

	@Test
	void moneyIsADecimalOfScaleTwo() {
		assertThat(encode("$1,234.56", DebeziumValueEncoder.MONEY, -1)).isEqualTo("\"AeJA\"");
		assertThat(encode(new DebeziumValueEncoder(DecimalHandling.STRING, TimePrecision.ADAPTIVE, BinaryHandling.BYTES),
				"-$3.50", DebeziumValueEncoder.MONEY, -1)).isEqualTo("\"-3.50\"");
	}

	@Test
	void bitStringsAreBooleansOrLittleEndianBits() {
		assertThat(encode("1", DebeziumValueEncoder.BIT, 1)).as("bit(1)").isEqualTo("true");
		assertThat(encode("0", DebeziumValueEncoder.VARBIT, 1)).as("varbit(1)").isEqualTo("false");
		assertThat(encode("101", DebeziumValueEncoder.BIT, 3)).as("bits 0 and 2").isEqualTo("\"BQ==\"");
		assertThat(encode("1000000001", DebeziumValueEncoder.VARBIT, -1)).as("bits 0 and 9, two bytes")
			.isEqualTo("\"AQI=\"");
		assertThat(encode("000", DebeziumValueEncoder.BIT, 3)).as("no bit set, no byte").isEqualTo("\"\"");
	}

	@Test
	void datesAreDaysSinceTheEpoch() {
		// documented: the isostring example 2017-09-15Z, as days
		assertThat(encode(LocalDate.of(2017, 9, 15), DATE, -1)).isEqualTo("17424");
		assertThat(encode(LocalDate.of(1969, 12, 31), DATE, -1)).isEqualTo("-1");
	}

	@Test
	void timesAreMillisecondsUpToPrecisionThreeAndMicrosecondsAbove() {
		// documented: the isostring example 04:05:11.789
		LocalTime time = LocalTime.parse("04:05:11.789");
		assertThat(encode(time, TIME, 3)).as("time(3): io.debezium.time.Time").isEqualTo("14711789");
		assertThat(encode(time, TIME, 0)).isEqualTo("14711789");
		assertThat(encode(time, TIME, -1)).as("time: io.debezium.time.MicroTime").isEqualTo("14711789000");
		assertThat(encode(LocalTime.MAX, TIME, -1)).as("24:00:00").isEqualTo("86400000000");
		DebeziumValueEncoder micros = new DebeziumValueEncoder(DecimalHandling.PRECISE,
				TimePrecision.ADAPTIVE_TIME_MICROSECONDS, BinaryHandling.BYTES);
		assertThat(encode(micros, time, TIME, 3)).isEqualTo("14711789000");
		DebeziumValueEncoder connect = new DebeziumValueEncoder(DecimalHandling.PRECISE, TimePrecision.CONNECT,
				BinaryHandling.BYTES);
		assertThat(encode(connect, LocalTime.parse("04:05:11.789123"), TIME, 6)).isEqualTo("14711789");
	}

	@Test
	void timestampsAreEpochMillisOrMicros() {
		// documented: TIMESTAMP "2018-06-20 15:13:16.945104" is the MicroTimestamp 1529507596945104
		LocalDateTime documented = LocalDateTime.parse("2018-06-20T15:13:16.945104");
		assertThat(encode(documented, TIMESTAMP, -1)).isEqualTo("1529507596945104");
		assertThat(encode(documented, TIMESTAMP, 6)).isEqualTo("1529507596945104");
		// documented: hiredate 1562630400000 (io.debezium.time.Timestamp) in Debezium Server's Redis example
		assertThat(encode(LocalDateTime.parse("2019-07-09T00:00:00"), TIMESTAMP, 3)).isEqualTo("1562630400000");
		// documented: the outbox example's timestamp 1556890294344
		assertThat(encode(LocalDateTime.parse("2019-05-03T13:31:34.344"), TIMESTAMP, 3)).isEqualTo("1556890294344");
		DebeziumValueEncoder connect = new DebeziumValueEncoder(DecimalHandling.PRECISE, TimePrecision.CONNECT,
				BinaryHandling.BYTES);
		assertThat(encode(connect, documented, TIMESTAMP, -1)).isEqualTo("1529507596945");
		assertThat(encode(LocalDateTime.parse("1969-12-31T23:59:59.999"), TIMESTAMP, 3)).isEqualTo("-1");
		assertThat(encode(LocalDateTime.parse("1969-12-31T23:59:59.999999"), TIMESTAMP, 6)).isEqualTo("-1");
		// documented: infinity and -infinity as 9223372036825200000 and -9223372036832400000
		assertThat(encode(LocalDateTime.MAX, TIMESTAMP, -1)).isEqualTo("9223372036825200000");
		assertThat(encode(LocalDateTime.MIN, TIMESTAMP, -1)).isEqualTo("-9223372036832400000");
	}

	@Test
	void zonedTimestampsAndTimesAreIsoStringsAtUtc() {
		// documented: the isostring example 2019-07-09T02:28:57.123456Z
		assertThat(encode(OffsetDateTime.parse("2019-07-09T04:28:57.123456+02:00"), TIMESTAMPTZ, -1))
			.isEqualTo("\"2019-07-09T02:28:57.123456Z\"");
		assertThat(encode(OffsetDateTime.parse("2019-07-09T02:28:57Z"), TIMESTAMPTZ, -1))
			.as("the column's six digits").isEqualTo("\"2019-07-09T02:28:57.000000Z\"");
		assertThat(encode(OffsetDateTime.parse("2019-07-09T02:28:57.120Z"), TIMESTAMPTZ, 3))
			.isEqualTo("\"2019-07-09T02:28:57.120Z\"");
		assertThat(encode(OffsetDateTime.parse("2019-07-09T02:28:57Z"), TIMESTAMPTZ, 0)).isEqualTo("\"2019-07-09T02:28:57Z\"");
		assertThat(encode(OffsetDateTime.MAX, TIMESTAMPTZ, -1)).isEqualTo("\"infinity\"");
		// documented: the isostring example 04:05:11.789Z
		assertThat(encode(OffsetTime.parse("06:05:11.789+02:00"), TIMETZ, -1)).isEqualTo("\"04:05:11.789Z\"");
		assertThat(encode(OffsetTime.of(LocalTime.NOON, ZoneOffset.UTC), TIMETZ, -1)).isEqualTo("\"12:00:00Z\"");
	}

	@Test
	void intervalsAreApproximateMicroseconds() throws Exception {
		// documented: P1Y2M3DT4H5M6.78S; a month is 365.25 / 12 days
		assertThat(encode(new PGInterval("1 year 2 mons 3 days 04:05:06.78"), 1186, -1)).isEqualTo("37091106780000");
		assertThat(encode(new PGInterval("-04:05:06.78"), 1186, -1)).isEqualTo("-14706780000");
		assertThat(encode(Duration.ofHours(4).plusMinutes(5).plusMillis(6780).negated(), 1186, -1))
			.as("a binary interval").isEqualTo("-14706780000");
	}

	@Test
	void binaryHandlingModes() {
		// documented: a logical message's content "Ymfy" under the default binary handling
		byte[] documented = { 0x62, 0x67, (byte) 0xf2 };
		byte[] special = { (byte) 0xfb, (byte) 0xff };
		assertThat(encode(documented, 17, -1)).isEqualTo("\"Ymfy\"");
		assertThat(encode(special, 17, -1)).isEqualTo("\"+/8=\"");
		assertThat(encode(DebeziumValueEncoder.of("p", null, null, "base64"), special, 17, -1)).isEqualTo("\"+/8=\"");
		assertThat(encode(DebeziumValueEncoder.of("p", null, null, "base64-url-safe"), special, 17, -1))
			.isEqualTo("\"-_8=\"");
		assertThat(encode(DebeziumValueEncoder.of("p", null, null, "hex"), documented, 17, -1)).isEqualTo("\"6267f2\"");
	}

	@Test
	void uuidJsonArraysAndUnknownTypesAreStringsAndArrays() {
		// documented: the outbox event router example's uuid and jsonb payload, both strings
		assertThat(encode(UUID.fromString("406c07f3-26f0-4eea-a50c-109940064b8f"), 2950, -1))
			.isEqualTo("\"406c07f3-26f0-4eea-a50c-109940064b8f\"");
		assertThat(encode("{\"id\": 1, \"customerId\": 123}", 3802, -1)).isEqualTo("\"{\\\"id\\\": 1, \\\"customerId\\\": 123}\"");
		assertThat(encode(List.of(new BigDecimal("200000.0000"), new BigDecimal("10.0000")),
				DebeziumValueEncoder.NUMERIC_ARRAY, numeric(19, 4)))
			.isEqualTo("[\"dzWUAA==\",\"AYag\"]");
		assertThat(encode(Arrays.asList(LocalDate.of(2017, 9, 15), null), 1182, -1)).isEqualTo("[17424,null]");
		assertThat(encode(List.of(1, 2), 1007, -1)).isEqualTo("[1,2]");
		assertThat(encode("[1,5)", 3904, -1)).as("a range: its text").isEqualTo("\"[1,5)\"");
		Map<String, String> hstore = new LinkedHashMap<>();
		hstore.put("key", "val");
		assertThat(encode(hstore, 0, -1)).as("documented hstore json").isEqualTo("\"{\\\"key\\\":\\\"val\\\"}\"");
		Object unknown = new Object() {
			@Override
			public String toString() {
				return "(1,2)";
			}
		};
		assertThat(encode(unknown, 0, -1)).isEqualTo("\"(1,2)\"");
	}

	@Test
	void rowsWithoutTypesAreEncodedAsColumnsWithoutModifiers() {
		Map<String, Object> values = new LinkedHashMap<>();
		values.put("id", 1);
		values.put("total", new BigDecimal("10.50"));
		values.put("at", LocalDateTime.parse("2018-06-20T15:13:16.945104"));
		values.put("note", null);
		StringBuilder out = new StringBuilder();
		this.defaults.appendRow(out, Row.of(values));
		assertThat(out).hasToString("{\"id\":1,\"total\":{\"scale\":1,\"value\":\"aQ==\"},\"at\":1529507596945104,\"note\":null}");
		StringBuilder none = new StringBuilder();
		this.defaults.appendRow(none, null);
		assertThat(none).hasToString("null");
	}

	@Test
	void badOptionValuesNameThePropertyAndTheValues() {
		assertThatIllegalStateException().isThrownBy(() -> DebeziumValueEncoder.of("cdc.redis.stream", "exact", null, null))
			.withMessage("cdc.redis.stream.decimal-handling is 'exact'; use one of precise, double, string");
		assertThatIllegalStateException().isThrownBy(() -> DebeziumValueEncoder.of("cdc.redis.stream", null, "micro", null))
			.withMessage("cdc.redis.stream.time-precision is 'micro'; use one of adaptive, adaptive_time_microseconds, connect");
		assertThatIllegalStateException().isThrownBy(() -> DebeziumValueEncoder.of("cdc.redis.stream", null, null, "b64"))
			.withMessage("cdc.redis.stream.binary-handling is 'b64'; use one of bytes, base64, base64-url-safe, hex");
		assertThat(DebeziumValueEncoder.of("x", "STRING", "Adaptive-Time-Microseconds", "BASE64_URL_SAFE")).isNotNull();
	}

}
