package dev.pgcdc.pgoutput;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The column values of one row in a {@code pgoutput} Insert, Update or Delete, without copying them
 * out of the received message.
 *
 * <p>Each column has a kind: {@link #NULL}, {@link #UNCHANGED_TOAST} (a TOASTed value the change did
 * not touch, which the server does not send), {@link #TEXT} (the type's text output, in the database
 * encoding) or {@link #BINARY} (the type's binary send format). Value bytes are a range of
 * {@link #buffer()}; that buffer belongs to the message and must not be modified.
 *
 * @author pgcdc
 */
public final class TupleData {

	/** Kind of a SQL NULL column. */
	public static final byte NULL = 'n';

	/** Kind of an unchanged TOAST value that was not sent. */
	public static final byte UNCHANGED_TOAST = 'u';

	/** Kind of a value in text format. */
	public static final byte TEXT = 't';

	/** Kind of a value in binary format. */
	public static final byte BINARY = 'b';

	private final byte[] buffer;

	private final byte[] kinds;

	private final int[] offsets;

	private final int[] lengths;

	/**
	 * Create tuple data over a message buffer.
	 * @param buffer the message bytes the values lie in
	 * @param kinds the kind of each column
	 * @param offsets the start of each value in {@code buffer} (ignored for NULL and unchanged)
	 * @param lengths the length of each value (0 for NULL and unchanged)
	 */
	public TupleData(byte[] buffer, byte[] kinds, int[] offsets, int[] lengths) {
		this.buffer = buffer;
		this.kinds = kinds;
		this.offsets = offsets;
		this.lengths = lengths;
	}

	public int columnCount() {
		return this.kinds.length;
	}

	public byte kind(int column) {
		return this.kinds[column];
	}

	public boolean isNull(int column) {
		return this.kinds[column] == NULL;
	}

	public boolean isUnchangedToast(int column) {
		return this.kinds[column] == UNCHANGED_TOAST;
	}

	/**
	 * Return the buffer that holds the values.
	 * @return the shared message buffer, not to be modified
	 */
	public byte[] buffer() {
		return this.buffer;
	}

	public int offset(int column) {
		return this.offsets[column];
	}

	public int length(int column) {
		return this.lengths[column];
	}

	/**
	 * Return a copy of a value's bytes.
	 * @param column the column position
	 * @return the bytes, or {@code null} for NULL and unchanged TOAST values
	 */
	public byte[] bytes(int column) {
		byte kind = this.kinds[column];
		if (kind != TEXT && kind != BINARY) {
			return null;
		}
		return Arrays.copyOfRange(this.buffer, this.offsets[column], this.offsets[column] + this.lengths[column]);
	}

	/**
	 * Return a text value decoded as UTF-8.
	 * @param column the column position
	 * @return the text, or {@code null} for NULL and unchanged TOAST values
	 */
	public String text(int column) {
		byte kind = this.kinds[column];
		if (kind != TEXT && kind != BINARY) {
			return null;
		}
		return new String(this.buffer, this.offsets[column], this.lengths[column], StandardCharsets.UTF_8);
	}

}
