package dev.pgcdc.listener.support;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The dead-letter JSON reader and string writer on their own: escapes both ways and strictness.
 */
class DeadLetterJsonTests {

	@Test
	void writesEscapesForQuotesBackslashesAndControlCharacters() {
		StringBuilder out = new StringBuilder();
		DeadLetterJson.appendString(out, "a\"b\\c\nd\re\tf\bg\fh\u0001i\u001fj\u007fk€😀");
		assertThat(out).hasToString("\"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\\u0001i\\u001fj\u007fk€😀\"");
	}

	@Test
	void readsWhatItWrites() {
		StringBuilder text = new StringBuilder();
		for (char c = 1; c < 0x100; c++) {
			text.append(c);
		}
		text.append("😀 \u2028 \uFFFF");
		StringBuilder out = new StringBuilder();
		DeadLetterJson.appendString(out, text.toString());
		assertThat(DeadLetterJson.parse(out.toString())).isEqualTo(text.toString());
	}

	@Test
	void readsUnicodeEscapesIncludingSurrogatePairs() {
		assertThat(DeadLetterJson.parse("\"\\u00e9\\u20AC\\ud83d\\ude00\\/\"")).isEqualTo("é€😀/");
	}

	@Test
	void readsTheStructuresJsonbPrints() {
		Object value = DeadLetterJson.parse(" [{\"a\": 1, \"bb\": [true, false, null, -0, 1.50e+3, \"\"]}, {}, []] ");
		assertThat(value).isEqualTo(List.of(
				Map.of("a", new BigDecimal("1"),
						"bb", Arrays.asList(true, false, null, new BigDecimal("-0"), new BigDecimal("1.50e+3"), "")),
				Map.of(), List.of()));
		assertThat(DeadLetterJson.parse("123456789012345678901234567890"))
			.isEqualTo(new BigDecimal("123456789012345678901234567890"));
	}

	@Test
	void rejectsWhatIsNotJson() {
		for (String text : List.of("", "[", "[1,]", "{\"a\"}", "{\"a\":1,}", "{a:1}", "01", "1.", ".5", "+1", "1e",
				"\"\\x\"", "\"\\u12\"", "\"unterminated", "\"tab\there\"", "tru", "nul", "[1] 2", "NaN",
				"{\"a\":1,\"a\":2}", "[1 2]")) {
			assertThatIllegalArgumentException().as(text).isThrownBy(() -> DeadLetterJson.parse(text));
		}
	}

	@Test
	void rejectsDeepNesting() {
		assertThatIllegalArgumentException().isThrownBy(() -> DeadLetterJson.parse("[".repeat(10_000)))
			.withMessageContaining("levels deep");
	}

}
