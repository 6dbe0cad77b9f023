package dev.pgcdc.replication.types;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.UUID;

import org.postgresql.util.PGInterval;

/**
 * Decoders for the text output of the non-temporal built-in scalar types.
 *
 * <p>The frequent types (integers, bool, uuid, numeric) are parsed straight from the bytes: their
 * text output is ASCII, so no {@code String} is needed on the way.
 *
 * @author pgcdc
 */
final class ScalarTextDecoders {

	static final ValueDecoder STRING = (buffer, offset, length) -> new String(buffer, offset, length,
			StandardCharsets.UTF_8);

	static final ValueDecoder BOOL = ScalarTextDecoders::decodeBool;

	static final ValueDecoder INT4 = (buffer, offset, length) -> parseInt(buffer, offset, length, "int4");

	static final ValueDecoder INT2 = (buffer, offset, length) -> parseInt(buffer, offset, length, "int2");

	static final ValueDecoder INT8 = (buffer, offset, length) -> parseLong(buffer, offset, length, "int8");

	static final ValueDecoder OID = (buffer, offset, length) -> parseLong(buffer, offset, length, "oid");

	static final ValueDecoder FLOAT4 = ScalarTextDecoders::decodeFloat4;

	static final ValueDecoder FLOAT8 = ScalarTextDecoders::decodeFloat8;

	static final ValueDecoder NUMERIC = ScalarTextDecoders::decodeNumeric;

	static final ValueDecoder UUID_DECODER = ScalarTextDecoders::decodeUuid;

	static final ValueDecoder BYTEA = ScalarTextDecoders::decodeBytea;

	static final ValueDecoder INTERVAL = ScalarTextDecoders::decodeInterval;

	static final ValueDecoder MONEY = ScalarTextDecoders::decodeMoney;

	static final ValueDecoder BIT = ScalarTextDecoders::decodeBit;

	// Longest digit run that always fits a long, for the BigDecimal fast path.
	private static final int MAX_LONG_DIGITS = 18;

	private static final byte[] HEX_VALUES = new byte[128];

	static {
		Arrays.fill(HEX_VALUES, (byte) -1);
		for (int i = 0; i < 10; i++) {
			HEX_VALUES['0' + i] = (byte) i;
		}
		for (int i = 0; i < 6; i++) {
			HEX_VALUES['a' + i] = (byte) (10 + i);
			HEX_VALUES['A' + i] = (byte) (10 + i);
		}
	}

	private ScalarTextDecoders() {
	}

	private static Boolean decodeBool(byte[] buffer, int offset, int length) {
		if (length == 1) {
			if (buffer[offset] == 't') {
				return Boolean.TRUE;
			}
			if (buffer[offset] == 'f') {
				return Boolean.FALSE;
			}
		}
		throw invalid("bool", buffer, offset, length);
	}

	static Integer parseInt(byte[] buffer, int offset, int length, String type) {
		long value = parseLong(buffer, offset, length, type);
		if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
			throw invalid(type, buffer, offset, length);
		}
		return (int) value;
	}

	static long parseLong(byte[] buffer, int offset, int length, String type) {
		int end = offset + length;
		int i = offset;
		boolean negative = false;
		if (i < end && (buffer[i] == '-' || buffer[i] == '+')) {
			negative = buffer[i] == '-';
			i++;
		}
		if (i == end) {
			throw invalid(type, buffer, offset, length);
		}
		// Accumulate negatively so that Long.MIN_VALUE, whose magnitude has no positive long, parses.
		long limit = negative ? Long.MIN_VALUE : -Long.MAX_VALUE;
		long multiplyLimit = limit / 10;
		long result = 0;
		for (; i < end; i++) {
			int digit = buffer[i] - '0';
			if (digit < 0 || digit > 9 || result < multiplyLimit) {
				throw invalid(type, buffer, offset, length);
			}
			result *= 10;
			if (result < limit + digit) {
				throw invalid(type, buffer, offset, length);
			}
			result -= digit;
		}
		return negative ? result : -result;
	}

	private static Float decodeFloat4(byte[] buffer, int offset, int length) {
		try {
			return Float.parseFloat(ascii(buffer, offset, length));
		}
		catch (NumberFormatException ex) {
			throw invalid("float4", buffer, offset, length);
		}
	}

	private static Double decodeFloat8(byte[] buffer, int offset, int length) {
		try {
			return Double.parseDouble(ascii(buffer, offset, length));
		}
		catch (NumberFormatException ex) {
			throw invalid("float8", buffer, offset, length);
		}
	}

	/**
	 * Decode numeric text; {@code NaN} and {@code ±Infinity}, which {@link BigDecimal} cannot hold,
	 * become a {@link Double} as pgjdbc's {@code getObject} does.
	 */
	private static Object decodeNumeric(byte[] buffer, int offset, int length) {
		if (length > 0 && (buffer[offset] == 'N' || buffer[offset] == 'I'
				|| (length > 1 && buffer[offset] == '-' && buffer[offset + 1] == 'I'))) {
			return decodeFloat8(buffer, offset, length);
		}
		int end = offset + length;
		int i = offset;
		boolean negative = false;
		if (i < end && (buffer[i] == '-' || buffer[i] == '+')) {
			negative = buffer[i] == '-';
			i++;
		}
		long unscaled = 0;
		int digits = 0;
		int scale = -1;
		for (; i < end; i++) {
			byte b = buffer[i];
			if (b >= '0' && b <= '9') {
				if (++digits > MAX_LONG_DIGITS) {
					return slowNumeric(buffer, offset, length);
				}
				unscaled = unscaled * 10 + (b - '0');
				if (scale >= 0) {
					scale++;
				}
			}
			else if (b == '.' && scale < 0) {
				scale = 0;
			}
			else {
				return slowNumeric(buffer, offset, length);
			}
		}
		if (digits == 0) {
			throw invalid("numeric", buffer, offset, length);
		}
		return BigDecimal.valueOf(negative ? -unscaled : unscaled, Math.max(scale, 0));
	}

	private static BigDecimal slowNumeric(byte[] buffer, int offset, int length) {
		char[] chars = new char[length];
		for (int i = 0; i < length; i++) {
			chars[i] = (char) (buffer[offset + i] & 0xFF);
		}
		try {
			return new BigDecimal(chars);
		}
		catch (NumberFormatException ex) {
			throw invalid("numeric", buffer, offset, length);
		}
	}

	private static UUID decodeUuid(byte[] buffer, int offset, int length) {
		if (length != 36) {
			throw invalid("uuid", buffer, offset, length);
		}
		long high = 0;
		long low = 0;
		for (int i = 0; i < 36; i++) {
			byte b = buffer[offset + i];
			if (i == 8 || i == 13 || i == 18 || i == 23) {
				if (b != '-') {
					throw invalid("uuid", buffer, offset, length);
				}
				continue;
			}
			int digit = hexValue(b);
			if (digit < 0) {
				throw invalid("uuid", buffer, offset, length);
			}
			if (i < 19) {
				high = (high << 4) | digit;
			}
			else {
				low = (low << 4) | digit;
			}
		}
		return new UUID(high, low);
	}

	private static int hexValue(byte b) {
		return (b >= 0) ? HEX_VALUES[b] : -1;
	}

	/**
	 * Decode bytea text in the hex format ({@code \x0a0b}, the default since PostgreSQL 9.0) or the
	 * legacy escape format ({@code bytea_output = 'escape'}: printable bytes as is, {@code \\} for a
	 * backslash and {@code \ooo} octal for the rest).
	 */
	private static byte[] decodeBytea(byte[] buffer, int offset, int length) {
		if (length >= 2 && buffer[offset] == '\\' && buffer[offset + 1] == 'x') {
			return decodeHexBytea(buffer, offset, length);
		}
		return decodeEscapeBytea(buffer, offset, length);
	}

	private static byte[] decodeHexBytea(byte[] buffer, int offset, int length) {
		if ((length & 1) != 0) {
			throw invalid("bytea", buffer, offset, length);
		}
		byte[] bytes = new byte[(length - 2) / 2];
		for (int i = 0, j = offset + 2; i < bytes.length; i++, j += 2) {
			int high = hexValue(buffer[j]);
			int low = hexValue(buffer[j + 1]);
			if (high < 0 || low < 0) {
				throw invalid("bytea", buffer, offset, length);
			}
			bytes[i] = (byte) ((high << 4) | low);
		}
		return bytes;
	}

	private static byte[] decodeEscapeBytea(byte[] buffer, int offset, int length) {
		byte[] bytes = new byte[length];
		int count = 0;
		int end = offset + length;
		for (int i = offset; i < end; i++) {
			byte b = buffer[i];
			if (b != '\\') {
				bytes[count++] = b;
			}
			else if (i + 1 < end && buffer[i + 1] == '\\') {
				bytes[count++] = '\\';
				i++;
			}
			else if (i + 3 < end && isOctal(buffer[i + 1]) && isOctal(buffer[i + 2]) && isOctal(buffer[i + 3])) {
				bytes[count++] = (byte) (((buffer[i + 1] - '0') << 6) | ((buffer[i + 2] - '0') << 3) | (buffer[i + 3] - '0'));
				i += 3;
			}
			else {
				throw invalid("bytea", buffer, offset, length);
			}
		}
		return (count == length) ? bytes : Arrays.copyOf(bytes, count);
	}

	private static boolean isOctal(byte b) {
		return b >= '0' && b <= '7';
	}

	/**
	 * Decode money text ({@code $1,234.56}, {@code -$1.00}) to a {@code Double}, as pgjdbc's
	 * {@code getObject} does: currency symbol and group separators dropped, a leading minus or parentheses
	 * for negative. Like pgjdbc this assumes an {@code lc_monetary} whose decimal point is a period; unlike
	 * pgjdbc (42.7) it also reads amounts of 1,000 and more, whose separators pgjdbc rejects.
	 */
	private static Double decodeMoney(byte[] buffer, int offset, int length) {
		StringBuilder number = new StringBuilder(length);
		boolean negative = false;
		for (int i = offset; i < offset + length; i++) {
			byte b = buffer[i];
			if ((b >= '0' && b <= '9') || b == '.') {
				number.append((char) b);
			}
			else if (b == '-' || b == '(') {
				negative = true;
			}
		}
		try {
			double value = Double.parseDouble(number.toString());
			return negative ? -value : value;
		}
		catch (NumberFormatException ex) {
			throw invalid("money", buffer, offset, length);
		}
	}

	/**
	 * Decode bit text: one bit becomes a {@code Boolean} and longer strings a {@code String} of {@code 0}s
	 * and {@code 1}s, as pgjdbc's {@code getObject} gives a {@code Boolean} for a one-bit value and a
	 * {@code PGobject} holding that string otherwise.
	 */
	private static Object decodeBit(byte[] buffer, int offset, int length) {
		if (length == 1 && (buffer[offset] == '0' || buffer[offset] == '1')) {
			return buffer[offset] == '1';
		}
		return ascii(buffer, offset, length);
	}

	private static PGInterval decodeInterval(byte[] buffer, int offset, int length) {
		try {
			return new PGInterval(ascii(buffer, offset, length));
		}
		catch (SQLException ex) {
			throw new IllegalArgumentException("Invalid interval text: '" + ascii(buffer, offset, length) + "'", ex);
		}
	}

	/**
	 * Return the bytes as a string, one char per byte: right for the ASCII-only text forms and cheap,
	 * as the JDK stores such a string as the same bytes.
	 */
	static String ascii(byte[] buffer, int offset, int length) {
		return new String(buffer, offset, length, StandardCharsets.ISO_8859_1);
	}

	static IllegalArgumentException invalid(String type, byte[] buffer, int offset, int length) {
		String text = new String(buffer, offset, Math.min(length, 200), StandardCharsets.UTF_8);
		return new IllegalArgumentException(
				"Invalid " + type + " text: '" + text + ((length > 200) ? "...' (" + length + " bytes)" : "'"));
	}

}
