package dev.pgcdc.redis;

/**
 * Rewrites a timestamptz PostgreSQL sent at offset {@code +00} ({@code 2024-05-01 10:00:00.5+00}) into
 * the text of the decoded {@code OffsetDateTime} ({@code 2024-05-01T10:00:00.500Z}) without building it:
 * the date as sent, then {@code LocalTime.toString()}'s rules (seconds only when not zero, fractions in
 * groups of three digits), then {@code Z}.
 *
 * <p>Only the common shape is rewritten: a four-digit year, offset {@code +00}, no {@code BC}; anything
 * else (another session time zone, infinity, years past 9999) is left to the decoder.
 *
 * @author pgcdc
 */
final class UtcTimestamps {

	/** {@code YYYY-MM-DD HH:MM:SS+00}. */
	private static final int SHORTEST = 22;

	private UtcTimestamps() {
	}

	/**
	 * Append the ISO-8601 text of a sent timestamptz.
	 * @param buffer the bytes
	 * @param offset where the value starts
	 * @param length its length
	 * @param target where to write
	 * @return whether the value had the common shape and was written; {@code false}: nothing written
	 */
	static boolean appendIso(byte[] buffer, int offset, int length, ArgumentBuffer.Bytes target) {
		int end = offset + length;
		if (length < SHORTEST || length > SHORTEST + 7 || buffer[offset + 4] != '-' || buffer[offset + 7] != '-'
				|| buffer[offset + 10] != ' ' || buffer[offset + 13] != ':' || buffer[offset + 16] != ':'
				|| buffer[end - 3] != '+' || buffer[end - 2] != '0' || buffer[end - 1] != '0') {
			return false;
		}
		if (!digits(buffer, offset, 4) || !digits(buffer, offset + 5, 2) || !digits(buffer, offset + 8, 2)
				|| !digits(buffer, offset + 11, 2) || !digits(buffer, offset + 14, 2)
				|| !digits(buffer, offset + 17, 2)) {
			return false;
		}
		int micros = 0;
		int fractionEnd = end - 3;
		if (fractionEnd > offset + 19) {
			int digits = fractionEnd - (offset + 20);
			if (buffer[offset + 19] != '.' || digits < 1 || digits > 6 || !digits(buffer, offset + 20, digits)) {
				return false;
			}
			for (int i = 0; i < 6; i++) {
				micros = micros * 10 + ((i < digits) ? buffer[offset + 20 + i] - '0' : 0);
			}
		}
		boolean seconds = buffer[offset + 17] != '0' || buffer[offset + 18] != '0';
		target.ensure(32);
		target.put(buffer, offset, 10);
		target.put((byte) 'T');
		target.put(buffer, offset + 11, 5);
		if (seconds || micros > 0) {
			target.put(buffer, offset + 16, 3);
			if (micros > 0) {
				target.put((byte) '.');
				boolean millis = micros % 1000 == 0;
				int value = millis ? micros / 1000 : micros;
				for (int divisor = millis ? 100 : 100_000; divisor > 0; divisor /= 10) {
					target.put((byte) ('0' + (value / divisor) % 10));
				}
			}
		}
		target.put((byte) 'Z');
		return true;
	}

	private static boolean digits(byte[] buffer, int offset, int count) {
		for (int i = offset; i < offset + count; i++) {
			if (buffer[i] < '0' || buffer[i] > '9') {
				return false;
			}
		}
		return true;
	}

}
