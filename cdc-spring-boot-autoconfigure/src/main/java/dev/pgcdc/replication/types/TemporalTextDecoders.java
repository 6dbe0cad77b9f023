package dev.pgcdc.replication.types;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;

/**
 * Decoders for the text output of date, time, timetz, timestamp and timestamptz with
 * {@code DateStyle = ISO}, the style pgjdbc sets for its sessions.
 *
 * <p>Special values follow pgjdbc's {@code getObject(column, java.time class)}: {@code infinity}
 * and {@code -infinity} become the {@code MAX} and {@code MIN} of the class, and time
 * {@code 24:00:00} becomes {@link LocalTime#MAX} (timetz: {@link OffsetTime#MAX}, whatever the
 * offset). BC years map to the proleptic ISO year {@code 1 - year}, so 44 BC is year -43.
 *
 * @author pgcdc
 */
final class TemporalTextDecoders {

	static final ValueDecoder DATE = TemporalTextDecoders::decodeDate;

	static final ValueDecoder TIME = TemporalTextDecoders::decodeTime;

	static final ValueDecoder TIMETZ = TemporalTextDecoders::decodeTimeTz;

	static final ValueDecoder TIMESTAMP = TemporalTextDecoders::decodeTimestamp;

	static final ValueDecoder TIMESTAMPTZ = TemporalTextDecoders::decodeTimestampTz;

	private static final byte[] INFINITY = "infinity".getBytes(StandardCharsets.US_ASCII);

	private static final int[] NANOS_SCALE = { 0, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000,
			100, 10, 1 };

	private TemporalTextDecoders() {
	}

	private static LocalDate decodeDate(byte[] buffer, int offset, int length) {
		int infinity = infinity(buffer, offset, length);
		if (infinity != 0) {
			return (infinity > 0) ? LocalDate.MAX : LocalDate.MIN;
		}
		Cursor cursor = new Cursor("date", buffer, offset, length);
		cursor.date();
		cursor.era();
		cursor.end();
		return cursor.toDate();
	}

	private static LocalTime decodeTime(byte[] buffer, int offset, int length) {
		Cursor cursor = new Cursor("time", buffer, offset, length);
		cursor.time();
		cursor.end();
		return cursor.toTime();
	}

	private static OffsetTime decodeTimeTz(byte[] buffer, int offset, int length) {
		Cursor cursor = new Cursor("timetz", buffer, offset, length);
		cursor.time();
		ZoneOffset zoneOffset = cursor.offset();
		cursor.end();
		// pgjdbc maps 24:00:00 to OffsetTime.MAX (offset -18:00) whatever the offset sent.
		return cursor.isEndOfDay() ? OffsetTime.MAX : OffsetTime.of(cursor.toTime(), zoneOffset);
	}

	private static LocalDateTime decodeTimestamp(byte[] buffer, int offset, int length) {
		int infinity = infinity(buffer, offset, length);
		if (infinity != 0) {
			return (infinity > 0) ? LocalDateTime.MAX : LocalDateTime.MIN;
		}
		Cursor cursor = new Cursor("timestamp", buffer, offset, length);
		cursor.date();
		cursor.expect(' ');
		cursor.time();
		cursor.era();
		cursor.end();
		return cursor.toDateTime();
	}

	/**
	 * Decode timestamptz text, which carries the session time zone's offset at that instant, to the
	 * same instant at offset {@code Z}.
	 */
	private static OffsetDateTime decodeTimestampTz(byte[] buffer, int offset, int length) {
		int infinity = infinity(buffer, offset, length);
		if (infinity != 0) {
			// As pgjdbc: MAX/MIN carry offsets -18:00/+18:00 and cannot be moved to UTC.
			return (infinity > 0) ? OffsetDateTime.MAX : OffsetDateTime.MIN;
		}
		Cursor cursor = new Cursor("timestamptz", buffer, offset, length);
		cursor.date();
		cursor.expect(' ');
		cursor.time();
		ZoneOffset zoneOffset = cursor.offset();
		cursor.era();
		cursor.end();
		OffsetDateTime value = OffsetDateTime.of(cursor.toDateTime(), zoneOffset);
		return (zoneOffset == ZoneOffset.UTC) ? value : value.withOffsetSameInstant(ZoneOffset.UTC);
	}

	/**
	 * Tell {@code infinity} (1) and {@code -infinity} (-1) from a regular value (0), which always
	 * starts with a digit.
	 */
	private static int infinity(byte[] buffer, int offset, int length) {
		if (length == 8 && matches(buffer, offset, INFINITY)) {
			return 1;
		}
		if (length == 9 && buffer[offset] == '-' && matches(buffer, offset + 1, INFINITY)) {
			return -1;
		}
		return 0;
	}

	private static boolean matches(byte[] buffer, int offset, byte[] expected) {
		for (int i = 0; i < expected.length; i++) {
			if (buffer[offset + i] != expected[i]) {
				return false;
			}
		}
		return true;
	}

	/**
	 * A read position in one value's bytes and the fields read so far; the value is built once all
	 * are in, because a trailing {@code BC} changes the year (and so whether February 29 exists).
	 */
	private static final class Cursor {

		private final String type;

		private final byte[] buffer;

		private final int start;

		private final int end;

		private int position;

		private int year;

		private int month;

		private int day;

		private int hour;

		private int minute;

		private int second;

		private int nanos;

		Cursor(String type, byte[] buffer, int offset, int length) {
			this.type = type;
			this.buffer = buffer;
			this.start = offset;
			this.end = offset + length;
			this.position = offset;
		}

		/** Read year (four digits or more: PostgreSQL prints years past 9999 in full), month, day. */
		void date() {
			this.year = digits(4, 9);
			expect('-');
			this.month = digits(2, 2);
			expect('-');
			this.day = digits(2, 2);
		}

		/** Read {@code HH:MM:SS} with an optional fraction of up to nine digits. */
		void time() {
			this.hour = digits(2, 2);
			expect(':');
			this.minute = digits(2, 2);
			expect(':');
			this.second = digits(2, 2);
			if (this.position < this.end && this.buffer[this.position] == '.') {
				this.position++;
				int fractionStart = this.position;
				int fraction = digits(1, 9);
				this.nanos = fraction * NANOS_SCALE[this.position - fractionStart];
			}
		}

		/** Read {@code ±HH}, then {@code :MM} and {@code :SS} where the offset has them (LMT ones do). */
		ZoneOffset offset() {
			if (this.position >= this.end) {
				throw invalid();
			}
			byte sign = this.buffer[this.position++];
			if (sign != '+' && sign != '-') {
				throw invalid();
			}
			int seconds = digits(2, 2) * 3600;
			if (this.position < this.end && this.buffer[this.position] == ':') {
				this.position++;
				seconds += digits(2, 2) * 60;
				if (this.position < this.end && this.buffer[this.position] == ':') {
					this.position++;
					seconds += digits(2, 2);
				}
			}
			if (seconds == 0) {
				return ZoneOffset.UTC;
			}
			try {
				return ZoneOffset.ofTotalSeconds((sign == '-') ? -seconds : seconds);
			}
			catch (RuntimeException ex) {
				throw invalid();
			}
		}

		/** Read an optional trailing {@code " BC"}; year N BC is ISO year 1 - N. */
		void era() {
			if (this.end - this.position == 3 && this.buffer[this.position] == ' '
					&& this.buffer[this.position + 1] == 'B' && this.buffer[this.position + 2] == 'C') {
				this.position += 3;
				this.year = 1 - this.year;
			}
		}

		void expect(char c) {
			if (this.position >= this.end || this.buffer[this.position] != c) {
				throw invalid();
			}
			this.position++;
		}

		void end() {
			if (this.position != this.end) {
				throw invalid();
			}
		}

		boolean isEndOfDay() {
			return this.hour == 24 && this.minute == 0 && this.second == 0 && this.nanos == 0;
		}

		LocalDate toDate() {
			try {
				return LocalDate.of(this.year, this.month, this.day);
			}
			catch (RuntimeException ex) {
				throw invalid();
			}
		}

		/** Build the time; {@code 24:00:00} becomes {@link LocalTime#MAX} as in pgjdbc. */
		LocalTime toTime() {
			if (isEndOfDay()) {
				return LocalTime.MAX;
			}
			try {
				return LocalTime.of(this.hour, this.minute, this.second, this.nanos);
			}
			catch (RuntimeException ex) {
				throw invalid();
			}
		}

		LocalDateTime toDateTime() {
			try {
				return LocalDateTime.of(this.year, this.month, this.day, this.hour, this.minute, this.second,
						this.nanos);
			}
			catch (RuntimeException ex) {
				throw invalid();
			}
		}

		private int digits(int min, int max) {
			int value = 0;
			int count = 0;
			while (this.position < this.end && count < max) {
				int digit = this.buffer[this.position] - '0';
				if (digit < 0 || digit > 9) {
					break;
				}
				value = value * 10 + digit;
				count++;
				this.position++;
			}
			if (count < min) {
				throw invalid();
			}
			return value;
		}

		private IllegalArgumentException invalid() {
			return ScalarTextDecoders.invalid(this.type, this.buffer, this.start, this.end - this.start);
		}

	}

}
