package dev.pgcdc.replication.types;

/**
 * Turns the text output of a PostgreSQL type into a Java value.
 *
 * <p>The bytes are a range of a buffer the decoder must neither modify nor keep: whatever it
 * returns is a fresh value or an immutable one. SQL {@code NULL} never reaches a decoder (the
 * caller handles it), so {@code length} 0 means an empty text form such as {@code ''}.
 *
 * @author pgcdc
 * @see ValueDecoders
 */
@FunctionalInterface
public interface ValueDecoder {

	/**
	 * Decode one value.
	 * @param buffer the buffer that holds the value's text output, UTF-8 encoded
	 * @param offset where the value starts in {@code buffer}
	 * @param length how many bytes the value has
	 * @return the decoded value, never {@code null}
	 * @throws IllegalArgumentException if the bytes are not a valid text form of the type
	 */
	Object decode(byte[] buffer, int offset, int length);

}
