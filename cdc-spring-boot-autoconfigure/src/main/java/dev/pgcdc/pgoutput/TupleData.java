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

	/**
	 * Per column its kind, offset and length, one after the other: one array per row instead of three,
	 * since every change of the stream allocates one.
	 */
	private final int[] columns;

	/**
	 * Create tuple data over a message buffer.
	 * @param buffer the message bytes the values lie in
	 * @param kinds the kind of each column
	 * @param offsets the start of each value in {@code buffer} (ignored for NULL and unchanged)
	 * @param lengths the length of each value (0 for NULL and unchanged)
	 */
	public TupleData(byte[] buffer, byte[] kinds, int[] offsets, int[] lengths) {
		this.buffer = buffer;
		this.columns = new int[3 * kinds.length];
		for (int i = 0; i < kinds.length; i++) {
			this.columns[3 * i] = kinds[i];
			this.columns[3 * i + 1] = offsets[i];
			this.columns[3 * i + 2] = lengths[i];
		}
	}

	/** The decoder's: {@code columns} holds kind, offset and length per column and is taken as it is. */
	TupleData(byte[] buffer, int[] columns) {
		this.buffer = buffer;
		this.columns = columns;
	}

	public int columnCount() {
		return this.columns.length / 3;
	}

	public byte kind(int column) {
		return (byte) this.columns[3 * column];
	}

	public boolean isNull(int column) {
		return kind(column) == NULL;
	}

	public boolean isUnchangedToast(int column) {
		return kind(column) == UNCHANGED_TOAST;
	}

	/**
	 * Return the buffer that holds the values.
	 * @return the shared message buffer, not to be modified
	 */
	public byte[] buffer() {
		return this.buffer;
	}

	public int offset(int column) {
		return this.columns[3 * column + 1];
	}

	public int length(int column) {
		return this.columns[3 * column + 2];
	}

	/**
	 * Return a copy of a value's bytes.
	 * @param column the column position
	 * @return the bytes, or {@code null} for NULL and unchanged TOAST values
	 */
	public byte[] bytes(int column) {
		byte kind = kind(column);
		if (kind != TEXT && kind != BINARY) {
			return null;
		}
		return Arrays.copyOfRange(this.buffer, offset(column), offset(column) + length(column));
	}

	/**
	 * Return a text value decoded as UTF-8.
	 * @param column the column position
	 * @return the text, or {@code null} for NULL and unchanged TOAST values
	 */
	public String text(int column) {
		byte kind = kind(column);
		if (kind != TEXT && kind != BINARY) {
			return null;
		}
		return new String(this.buffer, offset(column), length(column), StandardCharsets.UTF_8);
	}

}
