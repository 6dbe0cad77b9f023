package dev.pgcdc.replication.types;

/**
 * Reads the fields of a composite ({@code record_out}) or the bounds of a range ({@code range_out}) text,
 * which quote the same way: a field is unquoted, or in double quotes inside which {@code ""} is one quote,
 * and a backslash takes the next byte literally anywhere. An unquoted empty field is SQL NULL for a
 * composite and an unbounded side for a range; {@code ""} is the empty string.
 *
 * @author pgcdc
 */
final class FieldScanner {

	private final byte[] buffer;

	private final int start;

	private final int end;

	private final String type;

	private int position;

	FieldScanner(byte[] buffer, int offset, int length, String type) {
		this.buffer = buffer;
		this.start = offset;
		this.end = offset + length;
		this.type = type;
		this.position = offset;
	}

	/**
	 * Decode the field that starts here and ends before the first unquoted {@code first} or {@code second}.
	 * @return the decoded value, or {@code null} for an unquoted empty field
	 */
	Object field(ValueDecoder decoder, byte first, byte second) {
		int fieldStart = this.position;
		boolean literal = false;
		boolean quoted = false;
		int plain = 0;
		while (true) {
			byte b = peek();
			if (b == '"') {
				literal = true;
				if (quoted && this.position + 1 < this.end && this.buffer[this.position + 1] == '"') {
					this.position += 2;
					plain++;
					continue;
				}
				quoted = !quoted;
				this.position++;
			}
			else if (b == '\\') {
				literal = true;
				this.position++;
				peek();
				this.position++;
				plain++;
			}
			else if (!quoted && (b == first || b == second)) {
				break;
			}
			else {
				this.position++;
				plain++;
			}
		}
		if (!literal) {
			return (plain == 0) ? null : decoder.decode(this.buffer, fieldStart, plain);
		}
		return decoder.decode(unescape(fieldStart, this.position, plain), 0, plain);
	}

	private byte[] unescape(int from, int to, int length) {
		byte[] text = new byte[length];
		int count = 0;
		boolean quoted = false;
		for (int i = from; i < to; i++) {
			byte b = this.buffer[i];
			if (b == '"') {
				if (quoted && i + 1 < to && this.buffer[i + 1] == '"') {
					text[count++] = '"';
					i++;
				}
				else {
					quoted = !quoted;
				}
			}
			else if (b == '\\') {
				text[count++] = this.buffer[++i];
			}
			else {
				text[count++] = b;
			}
		}
		return text;
	}

	byte peek() {
		if (this.position >= this.end) {
			throw invalid();
		}
		return this.buffer[this.position];
	}

	byte next() {
		byte b = peek();
		this.position++;
		return b;
	}

	void expect(char c) {
		if (next() != c) {
			throw invalid();
		}
	}

	boolean atEnd() {
		return this.position == this.end;
	}

	void skipWhitespace() {
		while (this.position < this.end && (this.buffer[this.position] == ' ' || this.buffer[this.position] == '\t'
				|| this.buffer[this.position] == '\n' || this.buffer[this.position] == '\r')) {
			this.position++;
		}
	}

	IllegalArgumentException invalid() {
		return ScalarTextDecoders.invalid(this.type, this.buffer, this.start, this.end - this.start);
	}

}
