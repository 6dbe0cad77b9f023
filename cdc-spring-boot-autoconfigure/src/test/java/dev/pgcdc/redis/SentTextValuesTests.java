package dev.pgcdc.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Row;
import dev.pgcdc.replication.ChangeConsumer;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The write path copies the text PostgreSQL sent instead of decoding and printing each value: for every
 * type and for edge values, what it writes equals, byte for byte, the text of the decoded value.
 */
class SentTextValuesTests {

	@Test
	void copiedTextEqualsTheDecodedValueForEveryType() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("redis_sent_text");
		database.execute("CREATE TYPE mood AS ENUM ('happy', 'sad')", "CREATE DOMAIN positive AS int CHECK (VALUE > 0)",
				"CREATE TABLE sample (id bigint PRIMARY KEY, b bool, s smallint, i int, n numeric, n2 numeric(10,2), "
						+ "t text, v varchar(20), c char(5), u uuid, j json, jb jsonb, tz timestamptz, ts timestamp, "
						+ "d date, f8 float8, f4 real, by bytea, arr int[], m mood, p positive, iv interval)");
		List<ChangeEvent> events = new CopyOnWriteArrayList<>();
		ChangeConsumer consumer = new ChangeConsumer() {

			@Override
			public void onChange(ChangeEvent event) {
				events.add(event);
			}

		};
		ReplicationEngine engine = RedisTestSupport.engine(RedisTestSupport.settings(database, "sent_text"), List.of(consumer));
		engine.start();
		try {
			await().atMost(Duration.ofSeconds(30)).until(() -> engine.state() == EngineState.STREAMING);
			database.execute("INSERT INTO sample VALUES (1, true, -32768, 2147483647, 'NaN', 12.50, 'héllo ✓ \"q\"', "
					+ "'', 'ab', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '{\"a\": [1, 2]}', '{\"b\": null}', "
					+ "'2024-02-29 23:59:59.999999+00', '2024-01-01 00:00:00', '2024-01-01', 1e20, 1.5, '\\x00ff', "
					+ "'{1,NULL,3}', 'sad', 7, '1 day 02:03:04')",
					"INSERT INTO sample VALUES (2, false, 0, 0, 'Infinity', -0.50, NULL, 'x', NULL, NULL, NULL, NULL, "
							+ "'infinity', NULL, NULL, 'NaN', NULL, NULL, NULL, NULL, NULL, NULL)",
					"INSERT INTO sample (id, n, tz) VALUES (3, '-Infinity', '-infinity'), (4, 123456789012345678901234567890.000001, "
							+ "'2024-05-01 10:00:00+00'), (5, 0.000, '2024-05-01 10:00:00.5+00'), (6, -17, "
							+ "'2024-05-01 10:00:01.000120+00'), (7, 1, '0044-03-15 12:00:00 BC'), (8, 2, '12024-01-01 00:00:00+00'), "
							+ "(9, 3, '1999-12-31 23:00:00.123+00')",
					"SET TIME ZONE 'Asia/Kolkata'", "INSERT INTO sample (id, tz) VALUES (10, '2024-05-01 10:00:00.25+05:30')");
			Random random = new Random(16);
			StringBuilder many = new StringBuilder("INSERT INTO sample (id, n, tz, i, b) VALUES ");
			for (int id = 100; id < 400; id++) {
				LocalDateTime time = LocalDateTime.ofEpochSecond(random.nextLong(-62_000_000_000L, 253_000_000_000L),
						random.nextBoolean() ? random.nextInt(10) * 100_000_000 : random.nextInt(1_000_000) * 1000,
						ZoneOffset.UTC);
				many.append((id > 100) ? ", " : "").append('(').append(id).append(", ").append(random.nextLong() / 1000.0)
					.append(", '").append(time).append("+00', ").append(random.nextInt()).append(", ")
					.append(random.nextBoolean()).append(')');
			}
			// whatever zone the session has, the sink's own sessions use theirs: compare either way
			database.execute("SET TIME ZONE 'UTC'", many.toString());
			await().atMost(Duration.ofSeconds(30)).until(() -> events.size() == 310);
		}
		finally {
			engine.stop();
		}
		int compared = 0;
		for (ChangeEvent event : events) {
			Row row = event.after();
			for (String column : row.columns()) {
				ArgumentBuffer buffer = ArgumentBuffer.get();
				buffer.addValue(row, column);
				byte[] expected = RedisValues.bytes(row.get(column));
				ArgumentBuffer.Bytes encoded = new ArgumentBuffer.Bytes(16);
				ArgumentBuffer.encode(encoded, expected, 0, expected.length);
				assertThat(new String(buffer.toByteArray(), StandardCharsets.UTF_8)).as("%s of row %s", column,
						row.get("id")).isEqualTo(new String(encoded.bytes, 0, encoded.size, StandardCharsets.UTF_8));
				compared++;
			}
		}
		assertThat(compared).isGreaterThan(300 * 5);
	}

	@Test
	void utcTimestampsAreWrittenAsTheirDecodedValue() {
		Random random = new Random(7);
		for (int i = 0; i < 100_000; i++) {
			int nanos = switch (random.nextInt(4)) {
				case 0 -> 0;
				case 1 -> random.nextInt(1000) * 1_000_000;
				default -> random.nextInt(1_000_000) * 1000;
			};
			long second = (random.nextInt(3) == 0) ? random.nextLong(0, 100_000) * 60
					: random.nextLong(-62_135_596_800L, 253_402_300_799L);
			OffsetDateTime value = OffsetDateTime.ofInstant(Instant.ofEpochSecond(second, nanos), ZoneOffset.UTC);
			String sent = postgresText(value);
			ArgumentBuffer.Bytes target = new ArgumentBuffer.Bytes(8);
			byte[] bytes = sent.getBytes(StandardCharsets.US_ASCII);
			assertThat(UtcTimestamps.appendIso(bytes, 0, bytes.length, target)).as(sent).isTrue();
			assertThat(new String(target.bytes, 0, target.size, StandardCharsets.US_ASCII)).as(sent)
				.isEqualTo(value.toString());
		}
		for (String other : List.of("infinity", "2024-01-01 00:00:00+05:30", "2024-01-01 00:00:00-00:00",
				"0044-03-15 12:00:00+00 BC", "12024-01-01 00:00:00+00", "2024-01-01 00:00:00.1234567+00")) {
			byte[] bytes = other.getBytes(StandardCharsets.US_ASCII);
			assertThat(UtcTimestamps.appendIso(bytes, 0, bytes.length, new ArgumentBuffer.Bytes(8))).as(other).isFalse();
		}
	}

	/** timestamptz as PostgreSQL prints it at offset +00: fraction without trailing zeros. */
	private static String postgresText(OffsetDateTime value) {
		String text = String.format("%04d-%02d-%02d %02d:%02d:%02d", value.getYear(), value.getMonthValue(),
				value.getDayOfMonth(), value.getHour(), value.getMinute(), value.getSecond());
		int micros = value.getNano() / 1000;
		if (micros > 0) {
			String fraction = String.format("%06d", micros).replaceAll("0+$", "");
			text += "." + fraction;
		}
		return text + "+00";
	}

}
