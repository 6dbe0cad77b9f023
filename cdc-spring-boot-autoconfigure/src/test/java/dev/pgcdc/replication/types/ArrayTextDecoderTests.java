package dev.pgcdc.replication.types;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tests for {@link ArrayTextDecoder}, on hand-written array literals.
 */
class ArrayTextDecoderTests {

	private static final ArrayTextDecoder TEXT_ARRAY = new ArrayTextDecoder(ScalarTextDecoders.STRING, ',');

	private static final ArrayTextDecoder INT_ARRAY = new ArrayTextDecoder(ScalarTextDecoders.INT4, ',');

	@Test
	void emptyArrayIsEmptyList() {
		assertThat(decode(INT_ARRAY, "{}")).isEqualTo(List.of());
	}

	@Test
	void elementsAreDecodedByTheElementDecoder() {
		assertThat(decode(INT_ARRAY, "{1,-2,2147483647}")).isEqualTo(List.of(1, -2, 2147483647));
	}

	@Test
	void unquotedNullInAnyCaseIsNullButQuotedNullIsAString() {
		assertThat(decode(TEXT_ARRAY, "{\"NULL\",NULL,null,nUlL,NULLx}")).containsExactly("NULL", null, null, null,
				"NULLx");
	}

	@Test
	void quotedElementsAreUnescaped() {
		assertThat(decode(TEXT_ARRAY, "{\"a\\\\b\",\"c\\\"d\",\"a,b\",\"{x}\",\"\",\" sp \"}")).containsExactly("a\\b",
				"c\"d", "a,b", "{x}", "", " sp ");
	}

	@Test
	void unquotedElementsMayHaveBackslashEscapesAndSurroundingWhitespace() {
		assertThat(decode(TEXT_ARRAY, "{ a b , c\\,d ,\\NULL}")).containsExactly("a b", "c,d", "NULL");
	}

	@Test
	void multiDimensionalArraysAreNestedLists() {
		assertThat(decode(INT_ARRAY, "{{1,2},{3,NULL}}")).isEqualTo(List.of(List.of(1, 2), Arrays.asList(3, null)));
		assertThat(decode(INT_ARRAY, "{{{1}},{{2}}}")).isEqualTo(List.of(List.of(List.of(1)), List.of(List.of(2))));
	}

	@Test
	void dimensionDecorationOfNonDefaultLowerBoundsIsDropped() {
		assertThat(decode(INT_ARRAY, "[0:1]={1,2}")).isEqualTo(List.of(1, 2));
		assertThat(decode(INT_ARRAY, "[-2:-1][1:2]={{1,2},{3,4}}")).isEqualTo(List.of(List.of(1, 2), List.of(3, 4)));
	}

	@Test
	void boxArraysUseSemicolonBetweenElements() {
		ArrayTextDecoder boxes = new ArrayTextDecoder(ScalarTextDecoders.STRING, ';');
		assertThat(decode(boxes, "{(1,2),(0,0);(3,4),(1,1)}")).containsExactly("(1,2),(0,0)", "(3,4),(1,1)");
	}

	@Test
	void multiByteCharactersPassThrough() {
		assertThat(decode(TEXT_ARRAY, "{日本,\"😀 e\u0301\",ü}")).containsExactly("日本", "😀 e\u0301", "ü");
	}

	@Test
	void quotedByteaElementIsUnescapedBeforeHexDecoding() {
		ArrayTextDecoder byteas = new ArrayTextDecoder(ScalarTextDecoders.BYTEA, ',');
		List<Object> decoded = decode(byteas, "{\"\\\\x01ff\",NULL}");
		assertThat((byte[]) decoded.get(0)).containsExactly(1, 0xff);
		assertThat(decoded.get(1)).isNull();
	}

	@Test
	void listsAreUnmodifiableAndAllowNull() {
		List<Object> list = decode(INT_ARRAY, "{{1,NULL}}");
		List<?> inner = (List<?>) list.get(0);
		assertThat(inner).hasSize(2).containsNull();
		assertThatThrownBy(() -> inner.set(0, null)).isInstanceOf(UnsupportedOperationException.class);
		assertThatThrownBy(list::clear).isInstanceOf(UnsupportedOperationException.class);
		assertThatThrownBy(decode(INT_ARRAY, "{}")::clear)
			.isInstanceOf(UnsupportedOperationException.class);
	}

	@Test
	void elementsWithoutEscapesAreDecodedFromTheCallersBuffer() {
		List<byte[]> buffers = new ArrayList<>();
		ArrayTextDecoder array = new ArrayTextDecoder((buffer, offset, length) -> {
			buffers.add(buffer);
			return ScalarTextDecoders.STRING.decode(buffer, offset, length);
		}, ',');
		byte[] buffer = "xx{a,\"b c\",\"d\\\"\"}yy".getBytes(StandardCharsets.UTF_8);
		assertThat(array.decode(buffer, 2, buffer.length - 4)).isEqualTo(List.of("a", "b c", "d\""));
		assertThat(buffers.get(0)).isSameAs(buffer);
		assertThat(buffers.get(1)).isSameAs(buffer);
		assertThat(buffers.get(2)).isNotSameAs(buffer);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "{", "{1,2", "1,2}", "{1,,2}", "{1}x", "{\"a}", "{\"a\"b}", "{1 2,}", "[0:1]{1,2}",
			"{{1},2", "{a\\}" })
	void malformedLiteralsAreRejected(String text) {
		assertThatIllegalArgumentException().isThrownBy(() -> decode(TEXT_ARRAY, text)).withMessageContaining("array");
	}

	@Test
	void elementErrorsPropagate() {
		assertThatIllegalArgumentException().isThrownBy(() -> decode(INT_ARRAY, "{1,x}"))
			.withMessageContaining("int4");
	}

	@SuppressWarnings("unchecked")
	private static List<Object> decode(ValueDecoder decoder, String text) {
		byte[] bytes = ("<" + text + ">").getBytes(StandardCharsets.UTF_8);
		return (List<Object>) decoder.decode(bytes, 1, bytes.length - 2);
	}

}
