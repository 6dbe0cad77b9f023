package dev.pgcdc.replication.types;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import dev.pgcdc.event.PgRange;

/**
 * Decodes the text output of a range ({@code [1,5)}, {@code empty}) into a {@link PgRange}, or of a
 * multirange ({@code {[1,3),[5,7)}}) into an unmodifiable {@code List} of them, the bounds decoded by the
 * decoder of the range's subtype.
 *
 * @author pgcdc
 */
final class RangeTextDecoder implements ValueDecoder {

	private static final byte[] EMPTY = { 'e', 'm', 'p', 't', 'y' };

	private final ValueDecoder boundDecoder;

	private final boolean multirange;

	private RangeTextDecoder(ValueDecoder boundDecoder, boolean multirange) {
		this.boundDecoder = boundDecoder;
		this.multirange = multirange;
	}

	static RangeTextDecoder range(ValueDecoder boundDecoder) {
		return new RangeTextDecoder(boundDecoder, false);
	}

	static RangeTextDecoder multirange(ValueDecoder boundDecoder) {
		return new RangeTextDecoder(boundDecoder, true);
	}

	@Override
	public Object decode(byte[] buffer, int offset, int length) {
		FieldScanner scanner = new FieldScanner(buffer, offset, length, this.multirange ? "multirange" : "range");
		Object value;
		if (this.multirange) {
			value = multirange(scanner);
		}
		else if (isEmpty(buffer, offset, length)) {
			return PgRange.emptyRange();
		}
		else {
			value = range(scanner);
		}
		scanner.skipWhitespace();
		if (!scanner.atEnd()) {
			throw scanner.invalid();
		}
		return value;
	}

	private List<PgRange<Object>> multirange(FieldScanner scanner) {
		scanner.skipWhitespace();
		scanner.expect('{');
		scanner.skipWhitespace();
		List<PgRange<Object>> ranges = new ArrayList<>();
		if (scanner.peek() == '}') {
			scanner.next();
			return List.of();
		}
		while (true) {
			scanner.skipWhitespace();
			ranges.add(range(scanner));
			scanner.skipWhitespace();
			byte b = scanner.next();
			if (b == '}') {
				return Collections.unmodifiableList(ranges);
			}
			if (b != ',') {
				throw scanner.invalid();
			}
		}
	}

	private PgRange<Object> range(FieldScanner scanner) {
		byte open = scanner.next();
		if (open != '[' && open != '(') {
			throw scanner.invalid();
		}
		Object lower = scanner.field(this.boundDecoder, (byte) ',', (byte) ',');
		scanner.expect(',');
		Object upper = scanner.field(this.boundDecoder, (byte) ']', (byte) ')');
		byte close = scanner.next();
		// range_out prints an unbounded side with its bracket but never treats it as inclusive
		return new PgRange<>(lower, upper, open == '[' && lower != null, close == ']' && upper != null, false);
	}

	private static boolean isEmpty(byte[] buffer, int offset, int length) {
		if (length != EMPTY.length) {
			return false;
		}
		for (int i = 0; i < length; i++) {
			if ((buffer[offset + i] | 0x20) != EMPTY[i]) {
				return false;
			}
		}
		return true;
	}

}
