package dev.pgcdc.redis;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Locale;

import org.postgresql.util.PGInterval;

import dev.pgcdc.redis.DebeziumValueEncoder.TimePrecision;

/**
 * Dates, times and intervals as Debezium's PostgreSQL connector writes them: {@code date} as days since the
 * epoch, {@code time} and {@code timestamp} as milliseconds or microseconds (after the column's precision and
 * the {@code time.precision.mode}), {@code timestamptz} and {@code timetz} as ISO-8601 strings at UTC
 * ({@code ZonedTimestamp}, {@code ZonedTime}), {@code interval} as approximate microseconds
 * ({@code MicroDuration}, Debezium's {@code interval.handling.mode=numeric}).
 *
 * @author pgcdc
 */
final class DebeziumTemporalValues {

	/** A column without a precision ({@code timestamp}, not {@code timestamp(3)}) holds microseconds. */
	private static final int DEFAULT_PRECISION = 6;

	/** Debezium's {@code MicroDuration}: months are 365.25 / 12 days. */
	private static final double DAYS_PER_MONTH = 365.25 / 12.0;

	private static final long MICROS_PER_DAY = 86_400_000_000L;

	/**
	 * {@code timestamp 'infinity'}: pgjdbc's {@code PGStatement.DATE_POSITIVE_INFINITY} read as microseconds,
	 * the value Debezium's documentation gives; {@code -infinity} likewise.
	 */
	private static final long POSITIVE_INFINITY_MICROS = 9223372036825200000L;

	private static final long NEGATIVE_INFINITY_MICROS = -9223372036832400000L;

	/** {@code date 'infinity'} and {@code '-infinity'}: the dates Debezium's date parser maps them to. */
	private static final long POSITIVE_INFINITY_DAYS = LocalDate.of(-5877611, 6, 21).toEpochDay();

	private static final long NEGATIVE_INFINITY_DAYS = LocalDate.of(-5877611, 6, 22).toEpochDay();

	private static final DateTimeFormatter[] ZONED_TIMESTAMP = new DateTimeFormatter[10];

	static {
		ZONED_TIMESTAMP[0] = DateTimeFormatter.ISO_OFFSET_DATE_TIME;
		for (int width = 1; width < ZONED_TIMESTAMP.length; width++) {
			// exactly the column's fractional digits, as Debezium's ZonedTimestamp writes them
			ZONED_TIMESTAMP[width] = new DateTimeFormatterBuilder().append(DateTimeFormatter.ISO_LOCAL_DATE)
				.appendLiteral('T')
				.appendValue(ChronoField.HOUR_OF_DAY, 2)
				.appendLiteral(':')
				.appendValue(ChronoField.MINUTE_OF_HOUR, 2)
				.appendLiteral(':')
				.appendValue(ChronoField.SECOND_OF_MINUTE, 2)
				.appendFraction(ChronoField.NANO_OF_SECOND, width, width, true)
				.appendOffsetId()
				.toFormatter(Locale.ENGLISH);
		}
	}

	private final TimePrecision mode;

	DebeziumTemporalValues(TimePrecision mode) {
		this.mode = mode;
	}

	/** Days since 1970-01-01 ({@code io.debezium.time.Date}, Connect's {@code Date} alike). */
	long date(LocalDate date) {
		if (date.equals(LocalDate.MAX)) {
			return POSITIVE_INFINITY_DAYS;
		}
		if (date.equals(LocalDate.MIN)) {
			return NEGATIVE_INFINITY_DAYS;
		}
		return date.toEpochDay();
	}

	/** Milliseconds ({@code Time}) or microseconds ({@code MicroTime}) past midnight. */
	long time(LocalTime time, int typeModifier) {
		// the decoder reads PostgreSQL's 24:00:00 as LocalTime.MAX; Debezium keeps it as a whole day
		long micros = time.equals(LocalTime.MAX) ? MICROS_PER_DAY : time.toNanoOfDay() / 1_000;
		boolean millis = switch (this.mode) {
			case ADAPTIVE -> precision(typeModifier) <= 3;
			case ADAPTIVE_TIME_MICROSECONDS -> false;
			case CONNECT -> true;
		};
		return millis ? micros / 1_000 : micros;
	}

	/** Epoch milliseconds ({@code Timestamp}) or microseconds ({@code MicroTimestamp}), read at UTC. */
	long timestamp(LocalDateTime timestamp, int typeModifier) {
		boolean millis = (this.mode == TimePrecision.CONNECT) || precision(typeModifier) <= 3;
		long micros;
		if (timestamp.equals(LocalDateTime.MAX)) {
			micros = POSITIVE_INFINITY_MICROS;
		}
		else if (timestamp.equals(LocalDateTime.MIN)) {
			micros = NEGATIVE_INFINITY_MICROS;
		}
		else {
			Instant instant = timestamp.toInstant(ZoneOffset.UTC);
			if (millis) {
				return instant.toEpochMilli();
			}
			return Math.multiplyExact(instant.getEpochSecond(), 1_000_000L) + instant.getNano() / 1_000;
		}
		return millis ? Math.floorDiv(micros, 1_000) : micros;
	}

	/** {@code ZonedTimestamp}: ISO-8601 at UTC with the column's number of fractional digits. */
	String zonedTimestamp(OffsetDateTime timestamp, int typeModifier) {
		if (timestamp.equals(OffsetDateTime.MAX)) {
			return "infinity";
		}
		if (timestamp.equals(OffsetDateTime.MIN)) {
			return "-infinity";
		}
		OffsetDateTime utc = timestamp.withOffsetSameInstant(ZoneOffset.UTC);
		return utc.format(ZONED_TIMESTAMP[Math.min(precision(typeModifier), 9)]);
	}

	/** {@code ZonedTime}: ISO-8601 time at UTC, as few fractional digits as the value needs. */
	String zonedTime(OffsetTime time) {
		if (time.equals(OffsetTime.MAX)) {
			return "24:00:00Z";
		}
		return time.withOffsetSameInstant(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_TIME);
	}

	/** {@code MicroDuration}: microseconds, a month counted as 365.25 / 12 days, computed as Debezium does. */
	static long intervalMicros(PGInterval interval) {
		return micros(interval.getYears(), interval.getMonths(), interval.getDays(), interval.getHours(),
				interval.getMinutes(), interval.getSeconds());
	}

	/** A {@link Duration} (binary interval without months), split as PostgreSQL prints it. */
	static long intervalMicros(Duration duration) {
		boolean negative = duration.isNegative();
		Duration length = duration.abs();
		long days = length.toDays();
		int hours = length.toHoursPart();
		int minutes = length.toMinutesPart();
		double seconds = length.toSecondsPart() + length.toNanosPart() / 1_000 / 1e6;
		long micros = micros(0, 0, (int) days, hours, minutes, seconds);
		return negative ? -micros : micros;
	}

	private static long micros(int years, int months, int days, int hours, int minutes, double seconds) {
		double totalDays = (years * 12 + months) * DAYS_PER_MONTH + days;
		double totalSeconds = (((totalDays * 24 + hours) * 60) + minutes) * 60 + seconds;
		return (long) (totalSeconds * 1e6);
	}

	private static int precision(int typeModifier) {
		return (typeModifier < 0) ? DEFAULT_PRECISION : typeModifier;
	}

}
