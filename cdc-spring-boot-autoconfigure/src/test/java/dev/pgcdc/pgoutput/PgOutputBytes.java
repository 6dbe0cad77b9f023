package dev.pgcdc.pgoutput;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

/**
 * A test-side writer of {@code pgoutput} protocol bytes, big-endian as the server sends them.
 *
 * <p>Deliberately low level (one method per wire type) so that each test spells out the message
 * layout it checks, independently of the decoder.
 *
 * @author pgcdc
 */
final class PgOutputBytes {

	/** A tuple value written as an unchanged TOAST column ({@code 'u'}). */
	static final Object UNCHANGED = new Object();

	/** The PostgreSQL epoch. */
	static final Instant PG_EPOCH = Instant.parse("2000-01-01T00:00:00Z");

	private byte[] bytes = new byte[64];

	private int size;

	private PgOutputBytes() {
	}

	/**
	 * Start a message with its type byte.
	 * @param type the message type
	 * @return the writer
	 */
	static PgOutputBytes message(char type) {
		return new PgOutputBytes().int8(type);
	}

	/**
	 * Return the protocol timestamp of an instant.
	 * @param instant the instant, with at most microsecond precision
	 * @return microseconds since the PostgreSQL epoch
	 */
	static long micros(Instant instant) {
		Duration duration = Duration.between(PG_EPOCH, instant);
		return Math.addExact(Math.multiplyExact(duration.getSeconds(), 1_000_000L), duration.getNano() / 1_000);
	}

	PgOutputBytes int8(int value) {
		ensure(1);
		this.bytes[this.size++] = (byte) value;
		return this;
	}

	PgOutputBytes int16(int value) {
		return int8(value >>> 8).int8(value);
	}

	PgOutputBytes int32(int value) {
		return int16(value >>> 16).int16(value);
	}

	PgOutputBytes int64(long value) {
		return int32((int) (value >>> 32)).int32((int) value);
	}

	PgOutputBytes timestamp(Instant instant) {
		return int64(micros(instant));
	}

	/** Write a NUL-terminated UTF-8 string. */
	PgOutputBytes string(String value) {
		return raw(value.getBytes(StandardCharsets.UTF_8)).int8(0);
	}

	PgOutputBytes raw(byte[] value) {
		ensure(value.length);
		System.arraycopy(value, 0, this.bytes, this.size, value.length);
		this.size += value.length;
		return this;
	}

	/** Write a Relation column: flags, name, type OID, type modifier. */
	PgOutputBytes column(boolean key, String name, int typeOid, int typeModifier) {
		return int8(key ? 1 : 0).string(name).int32(typeOid).int32(typeModifier);
	}

	/**
	 * Write TupleData: {@code null} as {@code 'n'}, {@link #UNCHANGED} as {@code 'u'}, a
	 * {@link String} as UTF-8 text {@code 't'} and a {@code byte[]} as binary {@code 'b'}.
	 */
	PgOutputBytes tuple(Object... values) {
		int16(values.length);
		for (Object value : values) {
			if (value == null) {
				int8('n');
			}
			else if (value == UNCHANGED) {
				int8('u');
			}
			else if (value instanceof String text) {
				byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
				int8('t').int32(utf8.length).raw(utf8);
			}
			else if (value instanceof byte[] binary) {
				int8('b').int32(binary.length).raw(binary);
			}
			else {
				throw new IllegalArgumentException("Unsupported tuple value " + value);
			}
		}
		return this;
	}

	int size() {
		return this.size;
	}

	byte[] toArray() {
		return Arrays.copyOf(this.bytes, this.size);
	}

	/** Return the message alone in a heap buffer at position 0. */
	ByteBuffer toBuffer() {
		return ByteBuffer.wrap(toArray());
	}

	/**
	 * Return the message as a region of a larger array, surrounded by junk, the way pgjdbc hands
	 * out XLogData payloads: position {@code before}, limit at the end of the message.
	 */
	ByteBuffer inLargerArray(int before, int after) {
		byte[] larger = new byte[before + this.size + after];
		Arrays.fill(larger, (byte) 0x5A);
		System.arraycopy(this.bytes, 0, larger, before, this.size);
		return ByteBuffer.wrap(larger, before, this.size);
	}

	/** Return the first {@code length} bytes only, as a truncated message. */
	ByteBuffer truncatedTo(int length) {
		return ByteBuffer.wrap(Arrays.copyOf(this.bytes, length));
	}

	private void ensure(int more) {
		if (this.size + more > this.bytes.length) {
			this.bytes = Arrays.copyOf(this.bytes, Math.max(this.bytes.length * 2, this.size + more));
		}
	}

}
