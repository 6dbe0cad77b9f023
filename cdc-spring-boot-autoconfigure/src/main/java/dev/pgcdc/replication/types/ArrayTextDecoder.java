package dev.pgcdc.replication.types;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Decodes the text output of an array ({@code array_out}) into a {@link List} of decoded elements.
 *
 * <p>A multi-dimensional array becomes nested lists, a {@code NULL} element becomes {@code null} and
 * the dimension decoration that non-default lower bounds produce ({@code [0:1]={1,2}}) is dropped,
 * as pgjdbc's {@code Array.getArray()} drops it. Lists are unmodifiable. Elements that need no
 * unescaping are decoded in place from the caller's buffer.
 *
 * @author pgcdc
 */
final class ArrayTextDecoder implements ValueDecoder {

	private final ValueDecoder elementDecoder;

	private final byte delimiter;

	/**
	 * Create a decoder for arrays whose elements {@code elementDecoder} decodes.
	 * @param elementDecoder the decoder of the element type
	 * @param delimiter the element separator of the element type ({@code typdelim})
	 */
	ArrayTextDecoder(ValueDecoder elementDecoder, char delimiter) {
		this.elementDecoder = elementDecoder;
		this.delimiter = (byte) delimiter;
	}

	@Override
	public Object decode(byte[] buffer, int offset, int length) {
		Parser parser = new Parser(buffer, offset, offset + length);
		parser.skipDimensions();
		List<Object> array = parser.array();
		parser.skipWhitespace();
		if (parser.position != parser.end) {
			throw parser.invalid();
		}
		return array;
	}

	// The characters array_in skips around elements (C isspace).
	private static boolean isWhitespace(byte b) {
		return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == 0x0B || b == '\f';
	}

	private final class Parser {

		private final byte[] buffer;

		private final int start;

		private final int end;

		private int position;

		Parser(byte[] buffer, int start, int end) {
			this.buffer = buffer;
			this.start = start;
			this.end = end;
			this.position = start;
		}

		/** Skip {@code [lower:upper]...=}, present only when some lower bound is not 1. */
		void skipDimensions() {
			skipWhitespace();
			if (this.position < this.end && this.buffer[this.position] == '[') {
				while (this.position < this.end && this.buffer[this.position] != '=') {
					this.position++;
				}
				expect('=');
				skipWhitespace();
			}
		}

		List<Object> array() {
			expect('{');
			List<Object> elements = new ArrayList<>();
			skipWhitespace();
			if (peek() == '}') {
				this.position++;
				return List.of();
			}
			while (true) {
				skipWhitespace();
				byte b = peek();
				if (b == '{') {
					elements.add(array());
				}
				else if (b == '"') {
					elements.add(quoted());
				}
				else {
					elements.add(unquoted());
				}
				skipWhitespace();
				b = peek();
				this.position++;
				if (b == '}') {
					// Arrays.asList keeps nulls, which List.copyOf would reject.
					return Collections.unmodifiableList(Arrays.asList(elements.toArray()));
				}
				if (b != ArrayTextDecoder.this.delimiter) {
					this.position--;
					throw invalid();
				}
			}
		}

		/** A double-quoted element: never NULL; backslash escapes the next byte. */
		private Object quoted() {
			this.position++;
			int contentStart = this.position;
			int escapes = 0;
			while (true) {
				byte b = peek();
				if (b == '"') {
					break;
				}
				if (b == '\\') {
					escapes++;
					this.position++;
					peek();
				}
				this.position++;
			}
			int contentEnd = this.position;
			this.position++;
			return decodeElement(contentStart, contentEnd, escapes);
		}

		/**
		 * An element up to the next delimiter or closing brace, surrounding whitespace not included;
		 * {@code NULL} in any case is a null element (a string "NULL" comes quoted).
		 */
		private Object unquoted() {
			int contentStart = this.position;
			int contentEnd = contentStart;
			int escapes = 0;
			while (true) {
				byte b = peek();
				if (b == ArrayTextDecoder.this.delimiter || b == '}' || b == '{' || b == '"') {
					break;
				}
				if (b == '\\') {
					escapes++;
					this.position++;
					peek();
					contentEnd = this.position + 1;
				}
				else if (!isWhitespace(b)) {
					contentEnd = this.position + 1;
				}
				this.position++;
			}
			if (contentEnd == contentStart) {
				throw invalid();
			}
			if (escapes == 0 && isNull(contentStart, contentEnd)) {
				return null;
			}
			return decodeElement(contentStart, contentEnd, escapes);
		}

		private Object decodeElement(int contentStart, int contentEnd, int escapes) {
			if (escapes == 0) {
				return ArrayTextDecoder.this.elementDecoder.decode(this.buffer, contentStart, contentEnd - contentStart);
			}
			byte[] unescaped = new byte[contentEnd - contentStart - escapes];
			int count = 0;
			for (int i = contentStart; i < contentEnd; i++) {
				if (this.buffer[i] == '\\') {
					i++;
				}
				unescaped[count++] = this.buffer[i];
			}
			return ArrayTextDecoder.this.elementDecoder.decode(unescaped, 0, count);
		}

		private boolean isNull(int contentStart, int contentEnd) {
			return contentEnd - contentStart == 4 && (this.buffer[contentStart] | 0x20) == 'n'
					&& (this.buffer[contentStart + 1] | 0x20) == 'u' && (this.buffer[contentStart + 2] | 0x20) == 'l'
					&& (this.buffer[contentStart + 3] | 0x20) == 'l';
		}

		void skipWhitespace() {
			while (this.position < this.end && isWhitespace(this.buffer[this.position])) {
				this.position++;
			}
		}

		private byte peek() {
			if (this.position >= this.end) {
				throw invalid();
			}
			return this.buffer[this.position];
		}

		private void expect(char c) {
			if (peek() != c) {
				throw invalid();
			}
			this.position++;
		}

		IllegalArgumentException invalid() {
			return ScalarTextDecoders.invalid("array", this.buffer, this.start, this.end - this.start);
		}

	}

}
