package dev.pgcdc.listener.support;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Row;
import dev.pgcdc.event.TableId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.util.PGInterval;

import org.springframework.expression.EvaluationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The allow list of conditions: what they may read works, the escapes (a {@code Class}, a static
 * method, a mutating method, a string built without bound) are refused when parsed and again by the
 * evaluation context alone, and no value a condition receives changes.
 */
class ConditionSandboxTests {

	private static final String LISTENER = "AuditListener#on(ChangeEvent)";

	// ---- the escapes of issue 13, each refused when parsed and, unchecked, when evaluated

	@ParameterizedTest
	@CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
			operation.getDeclaringClass().values.length > 0 | a method getDeclaringClass()     | getDeclaringClass() of Operation
			row.get('iv').setDays(42) == null               | a method setDays()               | setDays() of PGInterval
			'x'.repeat(100000000).length() > 0              | a method repeat()                | repeat() of String
			operation.declaringClass != null                | a property declaringClass        | declaringClass of Operation
			row.get('tags').add('x')                        | a method add()                   | add() of
			row.toMap().put('status', 'PAID') == null       | a method put()                   | put() of
			row.get('id', row.getClass()) == 1              | a method getClass()              | getClass() of
			table.name().concat('x') == 'x'                 | a method concat()                | concat() of String
			""")
	void escapesAreRefusedWhenParsedAndWhenEvaluated(String expression, String whenParsed, String whenEvaluated) {
		assertThatIllegalStateException().isThrownBy(() -> ListenerCondition.parse(expression, LISTENER))
			.withMessageStartingWith("@CdcListener " + LISTENER + " has a condition that uses " + whenParsed)
			.withMessageContaining("which conditions cannot use: \"" + expression + "\"");
		ChangeEvent event = audit();
		ListenerCondition unchecked = ListenerCondition.parse(expression, LISTENER, false);
		assertThatIllegalStateException().isThrownBy(() -> unchecked.matches(event))
			.withMessageStartingWith("@CdcListener " + LISTENER + ": condition \"" + expression + "\" failed on ")
			.withMessageContaining(whenEvaluated.trim())
			.withMessageContaining("which conditions cannot use (nothing was called)")
			.withCauseInstanceOf(EvaluationException.class);
		assertUntouched(event);
	}

	@Test
	void propertiesReachedByIndexingAreRefusedAtStartUpAndWhenEvaluated() {
		// the parser sees only a string index; the sample evaluation at start-up meets the refusal
		String expression = "operation['declaringClass'] != null";
		assertThatIllegalStateException().isThrownBy(() -> ListenerCondition.parse(expression, LISTENER))
			.withMessageStartingWith("@CdcListener " + LISTENER + " has a condition that uses the property "
					+ "declaringClass of Operation, which conditions cannot use: \"" + expression + "\"");
		ListenerCondition unchecked = ListenerCondition.parse(expression, LISTENER, false);
		assertThatIllegalStateException().isThrownBy(() -> unchecked.matches(audit()))
			.withMessageContaining("the property declaringClass of Operation, which conditions cannot use");
	}

	@Test
	void mutationsThroughIndexingAreRefused() {
		for (String expression : List.of("row.get('bytes')[0] = 9", "row.get('tags')[0] = 'z'",
				"#after['status'] = 'x'")) {
			assertThatIllegalStateException().isThrownBy(() -> ListenerCondition.parse(expression, LISTENER))
				.withMessageContaining("uses an assignment");
			ChangeEvent event = audit();
			ListenerCondition unchecked = ListenerCondition.parse(expression, LISTENER, false);
			assertThatIllegalStateException().isThrownBy(() -> unchecked.matches(event));
			assertUntouched(event);
		}
	}

	// ---- bounds

	@Test
	void longExpressionIsRefused() {
		String expression = "row.get('status') == '" + "x".repeat(RestrictedExpressions.MAX_LENGTH) + "'";
		assertThatIllegalStateException().isThrownBy(() -> ListenerCondition.parse(expression, LISTENER))
			.withMessageContaining("has a condition that is " + expression.length() + " characters long; "
					+ "conditions are limited to 1000 characters");
	}

	@ParameterizedTest
	@ValueSource(strings = { "('x' * 200 + 'x' * 200) * 2 == ''", "'ab' * 1000 == ''" })
	void stringsBuiltPastSpelsBoundsAreRefusedAtStartUp(String expression) {
		assertThatIllegalStateException().isThrownBy(() -> ListenerCondition.parse(expression, LISTENER))
			.withMessageContaining("has a condition that uses a value beyond SpEL's limits");
	}

	@Test
	void concatenationPastItsBoundIsRefusedWhenEvaluated() {
		String big = "x".repeat(60_000);
		ChangeEvent event = insert(Row.of(Map.of("note", big)));
		ListenerCondition condition = ListenerCondition.parse("(row.get('note') + row.get('note')).length() > 0",
				LISTENER);
		assertThatIllegalStateException().isThrownBy(() -> condition.matches(event))
			.withMessageContaining("failed on INSERT public.audit: it uses a value beyond SpEL's limits");
	}

	@ParameterizedTest
	@ValueSource(strings = { "row.get('total') ^ 1000000 > 0", "row.get('total') ^ row.get('id') > 0" })
	void powerNeedsASmallLiteralExponent(String expression) {
		assertThatIllegalStateException().isThrownBy(() -> ListenerCondition.parse(expression, LISTENER))
			.withMessageContaining("uses the power operator ^ with an exponent that is not a whole number literal "
					+ "from 0 to 64");
		assertThat(ListenerCondition.parse("row.get('total') ^ 2 > 100", LISTENER).matches(audit())).isTrue();
	}

	// ---- what conditions may read

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			row.get('iv').days == 1 and row.get('iv').getHours() == 2
			row.get('bytes').length == 3 and row.get('bytes')[0] == 1
			row.get('tags').size() == 2 and row.get('tags')[1] == 'b' and row.get('tags').contains('a')
			row.get('status').length() == 4 and row.get('status').startsWith('PA') and row.get('status').toLowerCase() == 'paid'
			row.get('status').substring(1, 3) == 'AI' and row.get('status').indexOf('I') == 2 and !row.get('status').isEmpty()
			row.get('total').intValue() == 12 and row.get('total').scale() == 2 and row.get('total').signum() == 1
			row.get('day').getYear() == 2024 and !row.get('day').isAfter(row.get('day')) and row.get('day').toEpochDay() > 0
			row.get('day').dayOfMonth == 29 and row.get('day').month.name() == 'FEBRUARY'
			row.get('uid').toString().length() == 36 and row.get('uid').version() == 4
			commitTime.toEpochMilli() == 0 and lsn.value() == 256 and commitLsn.compareTo(lsn) > 0
			operation.name() == 'UPDATE' and operation.ordinal() == 1 and operation.compareTo(operation) == 0
			table.schema() == 'public' and table.toString() == 'public.audit' and table.equals(table)
			row.toMap().containsKey('status') and row.toMap().size() == 9 and row.columns().get(0) == 'id'
			changedColumns.contains('status') and changedColumns.size() == 1
			xid == 7 and #op == 'update' and #after['status'] == 'PAID' and #before['status'] == 'NEW' and #event.xid == 7
			{'PAID', 'SENT'}.contains(row.get('status')) and {a: 1}['a'] == 1
			row.get('id') * 2 + 1 == 85 and row.get('id') % 5 == 2 and -row.get('id') < 0
			""")
	void readsOfTheEventModelAndItsValuesWork(String expression) {
		ChangeEvent event = audit();
		assertThat(ListenerCondition.parse(expression, LISTENER).matches(event)).as(expression).isTrue();
		assertUntouched(event);
	}

	@Test
	void methodsOutsideTheAllowListAreRefusedEvenWhenTheirNameIsAllowedElsewhere() {
		// "get" is allowed on rows, maps and lists, not on a String; "name" on enums and tables, not on a Lsn
		ListenerCondition unchecked = ListenerCondition.parse("row.get('status').getBytes().length > 0", LISTENER,
				false);
		assertThatIllegalStateException().isThrownBy(() -> unchecked.matches(audit()))
			.withMessageContaining("getBytes() of String");
		ListenerCondition hashCode = ListenerCondition.parse("row.get('status').hashCode() != 0", LISTENER, false);
		assertThatIllegalStateException().isThrownBy(() -> hashCode.matches(audit()))
			.withMessageContaining("hashCode() of String, which conditions cannot use");
	}

	@Test
	void redisSpellingWorksInListenerConditions() {
		ListenerCondition condition = ListenerCondition.parse("#op == 'delete' and #before['id'] == 42", LISTENER);
		ChangeEvent delete = new ChangeEvent(Operation.DELETE, TABLE, Row.of(Map.of("id", 42L)), null,
				Lsn.parse("0/100"), Lsn.parse("0/200"), 7, Instant.EPOCH);
		assertThat(condition.matches(delete)).isTrue();
		assertThat(condition.matches(audit())).isFalse();
	}

	@Test
	void allowedConditionsStillCompile() {
		ConditionExpression condition = ConditionExpression.parse(
				"operation.name() == 'UPDATE' and row.get('status') == 'PAID' and #event.table.name() != ''",
				true, (problem, cause) -> new IllegalStateException(problem, cause));
		assertThat(condition.evaluate(audit())).isEqualTo(true);
		assertThat(condition.compile()).isTrue();
		assertThat(condition.evaluate(audit())).isEqualTo(true);
		assertThat(condition.evaluate(insert(Row.of(Map.of("status", "NEW"))))).isEqualTo(false);
	}

	// ---- events

	private static final TableId TABLE = new TableId("public", "audit");

	private static final byte[] BYTES = { 1, 2, 3 };

	/** An UPDATE from NEW to PAID whose values are all of the kinds a decoded row holds. */
	static ChangeEvent audit() {
		Map<String, Object> after = new LinkedHashMap<>();
		after.put("id", 42L);
		after.put("status", "PAID");
		after.put("total", new BigDecimal("12.50"));
		after.put("iv", interval());
		after.put("bytes", BYTES.clone());
		after.put("tags", Collections.unmodifiableList(Arrays.asList("a", "b")));
		after.put("day", LocalDate.of(2024, 2, 29));
		after.put("uid", UUID.fromString("6f1c7e0a-1f6e-4c1a-9b0e-3f5c2d1e0a9b"));
		after.put("note", "x");
		Map<String, Object> before = new LinkedHashMap<>(after);
		before.put("status", "NEW");
		return new ChangeEvent(Operation.UPDATE, TABLE, Row.of(before), Row.of(after), Lsn.parse("0/100"),
				Lsn.parse("0/200"), 7, Instant.EPOCH);
	}

	static ChangeEvent insert(Row row) {
		return new ChangeEvent(Operation.INSERT, TABLE, null, row, Lsn.parse("0/100"), Lsn.parse("0/200"), 3,
				Instant.EPOCH);
	}

	private static PGInterval interval() {
		try {
			return new PGInterval("1 day 02:00:00");
		}
		catch (java.sql.SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** Every value of the event as it was built: a condition changed nothing. */
	private static void assertUntouched(ChangeEvent event) {
		Row after = event.after();
		assertThat(((PGInterval) after.get("iv")).getDays()).isEqualTo(1);
		assertThat((byte[]) after.get("bytes")).containsExactly(BYTES);
		assertThat(new ArrayList<Object>((List<?>) after.get("tags"))).containsExactly("a", "b");
		assertThat(after.get("status")).isEqualTo("PAID");
		assertThat(after.toMap()).hasSize(9);
	}

}
