package dev.pgcdc.replication;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

import static dev.pgcdc.replication.SpillFormat.CHUNK;
import static dev.pgcdc.replication.SpillFormat.INT_VIEW;
import static dev.pgcdc.replication.SpillFormat.LONG_VIEW;
import static dev.pgcdc.replication.SpillFormat.MAX_ARRAY;
import static dev.pgcdc.replication.SpillFormat.MAX_RETAINED;

/**
 * Buffered sequential writing of length-prefixed records; the prefix lets readers skip records
 * without decoding them.
 *
 * @author pgcdc
 */
final class SpillOutput {

	private final FileChannel channel;

	private byte[] buffer = new byte[CHUNK];

	private int position;

	private int recordStart;

	private long written;

	SpillOutput(FileChannel channel) {
		this.channel = channel;
	}

	void startRecord() {
		ensure(4);
		this.recordStart = this.position;
		this.position += 4;
	}

	/** Returns the bytes the record takes in the file. */
	int endRecord() throws IOException {
		int length = this.position - this.recordStart;
		INT_VIEW.set(this.buffer, this.recordStart, length - 4);
		if (this.position >= CHUNK) {
			flush();
		}
		return length;
	}

	void abandonRecord() {
		this.position = this.recordStart;
	}

	void flush() throws IOException {
		if (this.position > 0) {
			ByteBuffer bytes = ByteBuffer.wrap(this.buffer, 0, this.position);
			while (bytes.hasRemaining()) {
				this.written += this.channel.write(bytes, this.written);
			}
			this.position = 0;
		}
		if (this.buffer.length > MAX_RETAINED) {
			this.buffer = new byte[CHUNK];
		}
	}

	private void ensure(long bytes) {
		if (bytes > this.buffer.length - this.position) {
			long needed = this.position + bytes;
			if (needed > MAX_ARRAY) {
				throw new IllegalArgumentException("A change of more than 2 GB cannot be spilled to disk");
			}
			this.buffer = Arrays.copyOf(this.buffer, (int) Math.min(MAX_ARRAY, Math.max(needed, 2L * this.buffer.length)));
		}
	}

	void writeByte(int value) {
		ensure(1);
		this.buffer[this.position++] = (byte) value;
	}

	void writeInt(int value) {
		ensure(4);
		INT_VIEW.set(this.buffer, this.position, value);
		this.position += 4;
	}

	void writeLong(long value) {
		ensure(8);
		LONG_VIEW.set(this.buffer, this.position, value);
		this.position += 8;
	}

	void writeBytes(byte[] bytes, int offset, int length) {
		ensure(length);
		System.arraycopy(bytes, offset, this.buffer, this.position, length);
		this.position += length;
	}

	/**
	 * Writes UTF-8 but encodes each char on its own, surrogates included, so that any string comes
	 * back exactly, malformed ones too.
	 */
	void writeString(String value) {
		int length = value.length();
		ensure(4 + 3L * length);
		byte[] bytes = this.buffer;
		int start = this.position;
		int p = start + 4;
		for (int i = 0; i < length; i++) {
			char c = value.charAt(i);
			if (c < 0x80) {
				bytes[p++] = (byte) c;
			}
			else if (c < 0x800) {
				bytes[p++] = (byte) (0xC0 | (c >> 6));
				bytes[p++] = (byte) (0x80 | (c & 0x3F));
			}
			else {
				bytes[p++] = (byte) (0xE0 | (c >> 12));
				bytes[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
				bytes[p++] = (byte) (0x80 | (c & 0x3F));
			}
		}
		INT_VIEW.set(bytes, start, p - start - 4);
		this.position = p;
	}

}
