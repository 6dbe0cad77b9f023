package dev.pgcdc.listener.support;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The small JSON writer and reader behind the dead-letter table's {@code changes} column.
 *
 * <p>Written here rather than borrowed from Jackson because Jackson is optional in this module and the
 * dead-letter store must work without it. The reader is strict RFC 8259 and yields {@link Map}
 * (insertion-ordered), {@link List}, {@link String}, {@link BigDecimal} (numbers keep their exact
 * digits), {@link Boolean} and {@code null}; it reads back what {@code jsonb} prints for the writer's
 * output, whose key order and spacing differ from what was written.
 *
 * @author pgcdc
 */
final class DeadLetterJson {

	/** Deeper than any value the codec writes (PostgreSQL arrays have at most 6 dimensions). */
	private static final int MAX_DEPTH = 128;

	private static final char[] HEX = "0123456789abcdef".toCharArray();

	private final String text;

	private int position;

	private DeadLetterJson(String text) {
		this.text = text;
	}

	/**
	 * Append a JSON string literal. Control characters are escaped; everything else, including
	 * non-ASCII, is written as is so that the stored text stays readable.
	 * @param out where to write
	 * @param value the string
	 */
	static void appendString(StringBuilder out, String value) {
		out.append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			switch (c) {
				case '"' -> out.append("\\\"");
				case '\\' -> out.append("\\\\");
				case '\n' -> out.append("\\n");
				case '\r' -> out.append("\\r");
				case '\t' -> out.append("\\t");
				case '\b' -> out.append("\\b");
				case '\f' -> out.append("\\f");
				default -> {
					if (c < 0x20) {
						out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
					}
					else {
						out.append(c);
					}
				}
			}
		}
		out.append('"');
	}

	/**
	 * Parse one JSON document.
	 * @param text the JSON text
	 * @return the value it holds
	 * @throws IllegalArgumentException if the text is not valid JSON
	 */
	static Object parse(String text) {
		DeadLetterJson reader = new DeadLetterJson(text);
		Object value = reader.readValue(0);
		reader.skipWhitespace();
		if (reader.position != text.length()) {
			throw reader.error("unexpected text after the value");
		}
		return value;
	}

	private Object readValue(int depth) {
		if (depth > MAX_DEPTH) {
			throw error("nested more than " + MAX_DEPTH + " levels deep");
		}
		skipWhitespace();
		if (this.position >= this.text.length()) {
			throw error("unexpected end of text");
		}
		char c = this.text.charAt(this.position);
		return switch (c) {
			case '{' -> readObject(depth);
			case '[' -> readArray(depth);
			case '"' -> readString();
			case 't' -> readLiteral("true", Boolean.TRUE);
			case 'f' -> readLiteral("false", Boolean.FALSE);
			case 'n' -> readLiteral("null", null);
			default -> readNumber();
		};
	}

	private Map<String, Object> readObject(int depth) {
		this.position++;
		Map<String, Object> object = new LinkedHashMap<>();
		skipWhitespace();
		if (peek() == '}') {
			this.position++;
			return object;
		}
		while (true) {
			skipWhitespace();
			if (peek() != '"') {
				throw error("expected a member name");
			}
			String name = readString();
			skipWhitespace();
			expect(':');
			Object value = readValue(depth + 1);
			if (object.containsKey(name)) {
				throw error("duplicate member '" + name + "'");
			}
			object.put(name, value);
			skipWhitespace();
			char next = next();
			if (next == '}') {
				return object;
			}
			if (next != ',') {
				throw error("expected ',' or '}'");
			}
		}
	}

	private List<Object> readArray(int depth) {
		this.position++;
		List<Object> array = new ArrayList<>();
		skipWhitespace();
		if (peek() == ']') {
			this.position++;
			return array;
		}
		while (true) {
			array.add(readValue(depth + 1));
			skipWhitespace();
			char next = next();
			if (next == ']') {
				return array;
			}
			if (next != ',') {
				throw error("expected ',' or ']'");
			}
		}
	}

	private String readString() {
		this.position++;
		StringBuilder value = null;
		int start = this.position;
		while (true) {
			if (this.position >= this.text.length()) {
				throw error("unterminated string");
			}
			char c = this.text.charAt(this.position);
			if (c == '"') {
				String result = (value != null) ? value.append(this.text, start, this.position).toString()
						: this.text.substring(start, this.position);
				this.position++;
				return result;
			}
			if (c < 0x20) {
				throw error("unescaped control character in a string");
			}
			if (c != '\\') {
				this.position++;
				continue;
			}
			// copy the run before the escape, then decode it; runs without escapes are copied in one go
			if (value == null) {
				value = new StringBuilder();
			}
			value.append(this.text, start, this.position);
			this.position++;
			char escape = next();
			switch (escape) {
				case '"' -> value.append('"');
				case '\\' -> value.append('\\');
				case '/' -> value.append('/');
				case 'b' -> value.append('\b');
				case 'f' -> value.append('\f');
				case 'n' -> value.append('\n');
				case 'r' -> value.append('\r');
				case 't' -> value.append('\t');
				// a surrogate pair arrives as two escapes, each appended as its own UTF-16 unit
				case 'u' -> value.append(readHexChar());
				default -> throw error("invalid escape '\\" + escape + "'");
			}
			start = this.position;
		}
	}

	private char readHexChar() {
		if (this.position + 4 > this.text.length()) {
			throw error("truncated \\u escape");
		}
		int code = 0;
		for (int i = 0; i < 4; i++) {
			int digit = Character.digit(this.text.charAt(this.position++), 16);
			if (digit < 0) {
				throw error("invalid \\u escape");
			}
			code = (code << 4) | digit;
		}
		return (char) code;
	}

	private Object readLiteral(String literal, Object value) {
		if (!this.text.startsWith(literal, this.position)) {
			throw error("unexpected character");
		}
		this.position += literal.length();
		return value;
	}

	private BigDecimal readNumber() {
		int start = this.position;
		if (peek() == '-') {
			this.position++;
		}
		if (peek() == '0') {
			this.position++;
		}
		else if (!digits()) {
			throw error("unexpected character");
		}
		if (peek() == '.') {
			this.position++;
			if (!digits()) {
				throw error("expected digits after '.'");
			}
		}
		if (peek() == 'e' || peek() == 'E') {
			this.position++;
			if (peek() == '+' || peek() == '-') {
				this.position++;
			}
			if (!digits()) {
				throw error("expected exponent digits");
			}
		}
		return new BigDecimal(this.text.substring(start, this.position));
	}

	private boolean digits() {
		int start = this.position;
		while (this.position < this.text.length() && this.text.charAt(this.position) >= '0'
				&& this.text.charAt(this.position) <= '9') {
			this.position++;
		}
		return this.position > start;
	}

	/**
	 * Return a parsed value as an object.
	 * @param value the parsed value
	 * @param what what the value is, for the message
	 * @return the object's members
	 * @throws IllegalArgumentException if the value is not a JSON object
	 */
	static Map<?, ?> asObject(Object value, String what) {
		if (value instanceof Map<?, ?> map) {
			return map;
		}
		throw new IllegalArgumentException("expected a JSON object for the " + what);
	}

	/**
	 * Return a parsed value as an array.
	 * @param value the parsed value
	 * @param what what the value is, for the message
	 * @return the array's elements
	 * @throws IllegalArgumentException if the value is not a JSON array
	 */
	static List<?> asArray(Object value, String what) {
		if (value instanceof List<?> list) {
			return list;
		}
		throw new IllegalArgumentException("expected a JSON array for '" + what + "'");
	}

	/**
	 * Return a parsed value as a string.
	 * @param value the parsed value
	 * @param what what the value is, for the message
	 * @return the string
	 * @throws IllegalArgumentException if the value is not a JSON string
	 */
	static String asString(Object value, String what) {
		if (value instanceof String text) {
			return text;
		}
		throw new IllegalArgumentException("expected a string for the " + what);
	}

	/**
	 * Return a string member of an object.
	 * @param object the object
	 * @param member the member's name
	 * @return the string
	 * @throws IllegalArgumentException if the member is missing or not a string
	 */
	static String string(Map<?, ?> object, String member) {
		return asString(object.get(member), "'" + member + "'");
	}

	/**
	 * Return a boolean member of an object.
	 * @param object the object
	 * @param member the member's name
	 * @return the boolean
	 * @throws IllegalArgumentException if the member is missing or not a boolean
	 */
	static boolean bool(Map<?, ?> object, String member) {
		if (object.get(member) instanceof Boolean value) {
			return value;
		}
		throw new IllegalArgumentException("expected a boolean '" + member + "'");
	}

	/**
	 * Return a number member of an object.
	 * @param object the object
	 * @param member the member's name
	 * @return the number, with its exact digits
	 * @throws IllegalArgumentException if the member is missing or not a number
	 */
	static BigDecimal number(Map<?, ?> object, String member) {
		if (object.get(member) instanceof BigDecimal number) {
			return number;
		}
		throw new IllegalArgumentException("expected a number for '" + member + "'");
	}

	private void skipWhitespace() {
		while (this.position < this.text.length()) {
			char c = this.text.charAt(this.position);
			if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
				return;
			}
			this.position++;
		}
	}

	private char peek() {
		return (this.position < this.text.length()) ? this.text.charAt(this.position) : '\0';
	}

	private char next() {
		if (this.position >= this.text.length()) {
			throw error("unexpected end of text");
		}
		return this.text.charAt(this.position++);
	}

	private void expect(char c) {
		if (next() != c) {
			throw error("expected '" + c + "'");
		}
	}

	private IllegalArgumentException error(String problem) {
		return new IllegalArgumentException("Invalid JSON at offset " + this.position + ": " + problem);
	}

}
