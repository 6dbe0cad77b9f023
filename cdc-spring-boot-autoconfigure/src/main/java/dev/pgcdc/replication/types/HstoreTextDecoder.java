package dev.pgcdc.replication.types;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decodes the text output of the {@code hstore} extension type, {@code "a"=>"1", "b"=>NULL}, into an
 * unmodifiable {@code Map<String, String>} (a {@code null} value for NULL), as pgjdbc's {@code getObject}
 * gives a {@code Map} for it. The map keeps the server's key order.
 *
 * @author pgcdc
 */
final class HstoreTextDecoder implements ValueDecoder {

	static final HstoreTextDecoder INSTANCE = new HstoreTextDecoder();

	private HstoreTextDecoder() {
	}

	@Override
	public Object decode(byte[] buffer, int offset, int length) {
		Parser parser = new Parser(buffer, offset, length);
		Map<String, String> map = new LinkedHashMap<>();
		parser.skipWhitespace();
		while (!parser.atEnd()) {
			String key = parser.quoted();
			parser.skipWhitespace();
			parser.expect('=');
			parser.expect('>');
			parser.skipWhitespace();
			map.put(key, parser.valueOrNull());
			parser.skipWhitespace();
			if (!parser.atEnd()) {
				parser.expect(',');
				parser.skipWhitespace();
			}
		}
		return Collections.unmodifiableMap(map);
	}

	private static final class Parser {

		private final byte[] buffer;

		private final int start;

		private final int end;

		private int position;

		Parser(byte[] buffer, int offset, int length) {
			this.buffer = buffer;
			this.start = offset;
			this.end = offset + length;
			this.position = offset;
		}

		/** hstore_out quotes every key and value, escaping {@code "} and {@code \} with a backslash. */
		String quoted() {
			expect('"');
			byte[] text = new byte[this.end - this.position];
			int count = 0;
			while (true) {
				byte b = next();
				if (b == '"') {
					return new String(text, 0, count, StandardCharsets.UTF_8);
				}
				text[count++] = (b == '\\') ? next() : b;
			}
		}

		String valueOrNull() {
			if (this.position + 4 <= this.end && this.buffer[this.position] == 'N'
					&& this.buffer[this.position + 1] == 'U' && this.buffer[this.position + 2] == 'L'
					&& this.buffer[this.position + 3] == 'L') {
				this.position += 4;
				return null;
			}
			return quoted();
		}

		boolean atEnd() {
			return this.position >= this.end;
		}

		byte next() {
			if (this.position >= this.end) {
				throw invalid();
			}
			return this.buffer[this.position++];
		}

		void expect(char c) {
			if (next() != c) {
				throw invalid();
			}
		}

		void skipWhitespace() {
			while (this.position < this.end && this.buffer[this.position] == ' ') {
				this.position++;
			}
		}

		IllegalArgumentException invalid() {
			return ScalarTextDecoders.invalid("hstore", this.buffer, this.start, this.end - this.start);
		}

	}

}
