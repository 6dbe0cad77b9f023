package dev.pgcdc.replication.types;

/**
 * How the text PostgreSQL sent for a value relates to the decoded value's own text, so that a sink
 * writing text can copy the bytes it received instead of decoding and printing them again.
 *
 * @author pgcdc
 */
public enum TextForm {

	/**
	 * The bytes are the decoded value's text, character for character: strings, integers, numerics
	 * ({@code BigDecimal.toPlainString()}, {@code NaN}, {@code Infinity}), UUIDs, json and jsonb.
	 */
	VERBATIM,

	/** A boolean sent as {@code t} or {@code f}. */
	BOOLEAN,

	/** A timestamptz in {@code DateStyle = ISO}: {@code 2024-05-01 10:00:00.5+00}. */
	TIMESTAMPTZ,

	/** Anything else: decode the value to get its text. */
	OTHER;

	/**
	 * Return the text form of the values a decoder reads.
	 * @param decoder the column's decoder
	 * @return its text form
	 */
	public static TextForm of(ValueDecoder decoder) {
		if (decoder == ScalarTextDecoders.STRING || decoder == ScalarTextDecoders.INT2
				|| decoder == ScalarTextDecoders.INT4 || decoder == ScalarTextDecoders.INT8
				|| decoder == ScalarTextDecoders.NUMERIC || decoder == ScalarTextDecoders.UUID_DECODER) {
			return VERBATIM;
		}
		if (decoder == ScalarTextDecoders.BOOL) {
			return BOOLEAN;
		}
		if (decoder == TemporalTextDecoders.TIMESTAMPTZ) {
			return TIMESTAMPTZ;
		}
		return OTHER;
	}

}
