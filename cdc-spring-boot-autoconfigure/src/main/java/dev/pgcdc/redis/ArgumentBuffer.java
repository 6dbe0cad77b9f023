package dev.pgcdc.redis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.pgcdc.event.Row;
import dev.pgcdc.replication.TypedRow;

/**
 * Builds the arguments of one command in the form Redis reads them ({@code $5\r\nhello\r\n} each), in a
 * buffer reused from command to command, so that a rendered command is one byte array and the connection
 * writes it with one copy.
 *
 * <p>Column values are written as {@link RedisValues#text(Object) text}; where PostgreSQL already sent that
 * text (strings, integers, numerics, UUIDs, json), its bytes are copied as they arrived, without decoding
 * the value, and booleans and UTC timestamps are rewritten from the sent text directly. The result is the
 * same as writing the decoded value, byte for byte. Not thread-safe: one per thread ({@link #get()}).
 *
 * @author pgcdc
 */
final class ArgumentBuffer {

	private static final ThreadLocal<ArgumentBuffer> BUFFERS = ThreadLocal.withInitial(ArgumentBuffer::new);

	private static final byte[] TRUE = { 't', 'r', 'u', 'e' };

	private static final byte[] FALSE = { 'f', 'a', 'l', 's', 'e' };

	/** The arguments so far. */
	private final Bytes out = new Bytes(1024);

	/** The argument being assembled from parts ({@code product:{id}}). */
	private final Bytes text = new Bytes(128);

	private int count;

	private ArgumentBuffer() {
	}

	/**
	 * Return this thread's buffer, emptied.
	 * @return the buffer
	 */
	static ArgumentBuffer get() {
		ArgumentBuffer buffer = BUFFERS.get();
		buffer.out.size = 0;
		buffer.text.size = 0;
		buffer.count = 0;
		return buffer;
	}

	/** Add a whole argument. */
	void add(byte[] argument) {
		add(argument, 0, argument.length);
	}

	void add(byte[] argument, int offset, int length) {
		encode(this.out, argument, offset, length);
		this.count++;
	}

	/** Write one argument as Redis reads it. */
	static void encode(Bytes out, byte[] argument, int offset, int length) {
		out.ensure(length + 16);
		out.put((byte) '$');
		out.putDecimal(length);
		out.put((byte) '\r');
		out.put((byte) '\n');
		out.put(argument, offset, length);
		out.put((byte) '\r');
		out.put((byte) '\n');
	}

	/** Add a column value as one argument. */
	void addValue(Row row, String column) {
		this.text.size = 0;
		appendValue(this.text, row, column);
		add(this.text.bytes, 0, this.text.size);
	}

	/**
	 * Add the value at a position of a row read from the stream as one argument.
	 * @param row the row
	 * @param column the column's name
	 * @param index its position
	 */
	void addValue(TypedRow row, String column, int index) {
		int length = row.textLength(index);
		if (length >= 0) {
			this.text.size = 0;
			if (appendSent(this.text, row, index, length)) {
				add(this.text.bytes, 0, this.text.size);
				return;
			}
		}
		addValue((Row) row, column);
	}

	/** Start an argument made of parts; end it with {@link #endText()}. */
	void beginText() {
		this.text.size = 0;
	}

	void appendText(byte[] part) {
		this.text.put(part, 0, part.length);
	}

	void appendText(String part) {
		appendText(part.getBytes(StandardCharsets.UTF_8));
	}

	void appendValue(Row row, String column) {
		appendValue(this.text, row, column);
	}

	void endText() {
		add(this.text.bytes, 0, this.text.size);
	}

	/**
	 * Return the encoded arguments.
	 * @return a copy of exactly the bytes written
	 */
	byte[] toByteArray() {
		return Arrays.copyOf(this.out.bytes, this.out.size);
	}

	int count() {
		return this.count;
	}

	/** Write a value of a row (SQL NULL: nothing) as {@link RedisValues#text(Object)} would write it. */
	private static void appendValue(Bytes target, Row row, String column) {
		if (row instanceof TypedRow typed) {
			int index = typed.columnIndex(column);
			int length = (index >= 0) ? typed.textLength(index) : -1;
			if (length >= 0 && appendSent(target, typed, index, length)) {
				return;
			}
		}
		Object value = row.get(column);
		if (value != null) {
			byte[] bytes = RedisValues.bytes(value);
			target.put(bytes, 0, bytes.length);
		}
	}

	/** Write the text PostgreSQL sent, if it converts without decoding; {@code false} otherwise. */
	private static boolean appendSent(Bytes target, TypedRow row, int index, int length) {
		byte[] buffer = row.textBuffer();
		int offset = row.textOffset(index);
		switch (row.textForm(index)) {
			case VERBATIM -> target.put(buffer, offset, length);
			case BOOLEAN -> {
				byte[] bool = (buffer[offset] == 't') ? TRUE : FALSE;
				target.put(bool, 0, bool.length);
			}
			case TIMESTAMPTZ -> {
				return UtcTimestamps.appendIso(buffer, offset, length, target);
			}
			default -> {
				return false;
			}
		}
		return true;
	}

	/** A growable byte array. */
	static final class Bytes {

		byte[] bytes;

		int size;

		Bytes(int capacity) {
			this.bytes = new byte[capacity];
		}

		void ensure(int more) {
			if (this.size + more > this.bytes.length) {
				this.bytes = Arrays.copyOf(this.bytes, Math.max(this.bytes.length * 2, this.size + more));
			}
		}

		void put(byte value) {
			ensure(1);
			this.bytes[this.size++] = value;
		}

		void put(byte[] source, int offset, int length) {
			ensure(length);
			System.arraycopy(source, offset, this.bytes, this.size, length);
			this.size += length;
		}

		void putDecimal(int value) {
			if (value < 10) {
				put((byte) ('0' + value));
				return;
			}
			int digits = 0;
			for (int rest = value; rest > 0; rest /= 10) {
				digits++;
			}
			ensure(digits);
			int end = this.size + digits;
			for (int i = end - 1, rest = value; i >= this.size; i--, rest /= 10) {
				this.bytes[i] = (byte) ('0' + rest % 10);
			}
			this.size = end;
		}

	}

}
