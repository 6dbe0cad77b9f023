package dev.pgcdc.replication;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static dev.pgcdc.replication.SpillFormat.CHUNK;
import static dev.pgcdc.replication.SpillFormat.INT_VIEW;
import static dev.pgcdc.replication.SpillFormat.LONG_VIEW;
import static dev.pgcdc.replication.SpillFormat.MAX_RETAINED;

/**
 * Buffered sequential reading of whole records: a record is in the buffer before it is decoded,
 * so decoding needs no bounds checks and no I/O.
 *
 * @author pgcdc
 */
final class SpillInput {

	private final FileChannel channel;

	/** Where the next read from the file starts; the channel is shared, so reads are positional. */
	private long filePosition;

	private byte[] buffer = new byte[CHUNK];

	private int position;

	private int limit;

	SpillInput(FileChannel channel) {
		this.channel = channel;
	}

	void startRecord() {
		require(4);
		int length = readInt();
		require(length);
	}

	void skipRecord() {
		require(4);
		int length = readInt();
		int buffered = this.limit - this.position;
		if (length <= buffered) {
			this.position += length;
			return;
		}
		this.filePosition += length - buffered;
		this.position = 0;
		this.limit = 0;
	}

	void rewind() {
		this.filePosition = 0;
		this.position = 0;
		this.limit = 0;
	}

	private void require(int bytes) {
		int buffered = this.limit - this.position;
		if (buffered >= bytes) {
			return;
		}
		byte[] target = this.buffer;
		if (bytes > target.length) {
			target = new byte[Math.max(bytes, 2 * target.length)];
		}
		else if (target.length > MAX_RETAINED && bytes <= CHUNK && buffered <= CHUNK) {
			target = new byte[CHUNK];
		}
		System.arraycopy(this.buffer, this.position, target, 0, buffered);
		this.buffer = target;
		this.position = 0;
		this.limit = buffered;
		try {
			while (this.limit < bytes) {
				int read = this.channel.read(ByteBuffer.wrap(target, this.limit, target.length - this.limit),
						this.filePosition);
				if (read < 0) {
					throw new IllegalStateException("A spilled transaction file ends in the middle of a change");
				}
				this.limit += read;
				this.filePosition += read;
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not read a spilled transaction", ex);
		}
	}

	byte readByte() {
		return this.buffer[this.position++];
	}

	int readInt() {
		int value = (int) INT_VIEW.get(this.buffer, this.position);
		this.position += 4;
		return value;
	}

	long readLong() {
		long value = (long) LONG_VIEW.get(this.buffer, this.position);
		this.position += 8;
		return value;
	}

	byte[] readBytes(int length) {
		byte[] bytes = Arrays.copyOfRange(this.buffer, this.position, this.position + length);
		this.position += length;
		return bytes;
	}

	String readString() {
		int length = readInt();
		byte[] bytes = this.buffer;
		int start = this.position;
		int end = start + length;
		this.position = end;
		int i = start;
		while (i < end && bytes[i] >= 0) {
			i++;
		}
		if (i == end) {
			return new String(bytes, start, length, StandardCharsets.ISO_8859_1);
		}
		char[] chars = new char[length];
		int count = 0;
		for (int j = start; j < i; j++) {
			chars[count++] = (char) bytes[j];
		}
		while (i < end) {
			int b = bytes[i++];
			if (b >= 0) {
				chars[count++] = (char) b;
			}
			else if ((b & 0xE0) == 0xC0) {
				chars[count++] = (char) (((b & 0x1F) << 6) | (bytes[i++] & 0x3F));
			}
			else {
				chars[count++] = (char) (((b & 0x0F) << 12) | ((bytes[i++] & 0x3F) << 6) | (bytes[i++] & 0x3F));
			}
		}
		return new String(chars, 0, count);
	}

}
