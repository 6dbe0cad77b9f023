package dev.pgcdc.event;

/**
 * A position in the PostgreSQL write-ahead log (a log sequence number).
 *
 * <p>Printed and parsed in PostgreSQL's {@code X/X} hexadecimal form ({@code 0/16B3748}); ordering
 * follows the unsigned 64-bit value, as the server's does.
 *
 * @param value the 64-bit position
 * @author pgcdc
 */
public record Lsn(long value) implements Comparable<Lsn> {

	/** The invalid position {@code 0/0}, used where no position is known yet. */
	public static final Lsn ZERO = new Lsn(0L);

	/**
	 * Parse the textual form PostgreSQL prints ({@code 0/16B3748}, or the zero-padded
	 * {@code 0/016B3748} of PostgreSQL 18).
	 * @param text the LSN text
	 * @return the parsed position
	 * @throws IllegalArgumentException if the text is not an LSN
	 */
	public static Lsn parse(String text) {
		if (text == null) {
			throw new IllegalArgumentException("LSN must not be null");
		}
		int slash = text.indexOf('/');
		if (slash <= 0 || slash == text.length() - 1) {
			throw new IllegalArgumentException("Not an LSN (expected the form 16/B374D848): '" + text + "'");
		}
		try {
			long high = Long.parseLong(text.substring(0, slash).trim(), 16);
			long low = Long.parseLong(text.substring(slash + 1).trim(), 16);
			if (high > 0xFFFFFFFFL || low > 0xFFFFFFFFL || high < 0 || low < 0) {
				throw new IllegalArgumentException("Not an LSN (each half is 32 bits): '" + text + "'");
			}
			return new Lsn((high << 32) | low);
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("Not an LSN (expected the form 16/B374D848): '" + text + "'", ex);
		}
	}

	/**
	 * Return whether this is a real position, not {@link #ZERO}.
	 * @return {@code true} unless the value is 0
	 */
	public boolean isValid() {
		return this.value != 0L;
	}

	/**
	 * Return the number of bytes from {@code earlier} to this position, never negative.
	 * @param earlier the earlier position
	 * @return the distance in bytes, 0 if {@code earlier} is not before this one
	 */
	public long bytesSince(Lsn earlier) {
		return Long.compareUnsigned(this.value, earlier.value) > 0 ? this.value - earlier.value : 0L;
	}

	@Override
	public int compareTo(Lsn other) {
		return Long.compareUnsigned(this.value, other.value);
	}

	@Override
	public String toString() {
		return Long.toHexString(this.value >>> 32).toUpperCase() + "/"
				+ Long.toHexString(this.value & 0xFFFFFFFFL).toUpperCase();
	}

}
