package dev.pgcdc.replication.types;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes the text output of a composite (row) type, {@code (1,"x y",)}, into an unmodifiable
 * {@code Map} from attribute name to value, in attribute order, each value decoded by its attribute's type
 * and {@code null} for NULL.
 *
 * <p>pgjdbc's {@code getObject} gives a {@code PGobject} holding the text; the map carries the same
 * information typed, like a nested row.
 *
 * @author pgcdc
 */
final class CompositeTextDecoder implements ValueDecoder {

	private final String[] names;

	private final ValueDecoder[] decoders;

	CompositeTextDecoder(List<String> names, List<ValueDecoder> decoders) {
		this.names = names.toArray(String[]::new);
		this.decoders = decoders.toArray(ValueDecoder[]::new);
	}

	@Override
	public Object decode(byte[] buffer, int offset, int length) {
		FieldScanner scanner = new FieldScanner(buffer, offset, length, "composite");
		scanner.expect('(');
		Map<String, Object> values = new LinkedHashMap<>();
		if (this.names.length == 0) {
			scanner.expect(')');
		}
		for (int i = 0; i < this.names.length; i++) {
			values.put(this.names[i], scanner.field(this.decoders[i], (byte) ',', (byte) ')'));
			if (scanner.next() != ((i + 1 < this.names.length) ? ',' : ')')) {
				throw scanner.invalid();
			}
		}
		if (!scanner.atEnd()) {
			throw scanner.invalid();
		}
		return Collections.unmodifiableMap(values);
	}

}
