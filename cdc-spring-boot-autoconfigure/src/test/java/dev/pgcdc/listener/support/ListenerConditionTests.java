package dev.pgcdc.listener.support;

import java.io.File;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pgcdc.event.AbstractRow;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Row;
import dev.pgcdc.event.TableId;
import dev.pgcdc.event.ValueConverter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.expression.EvaluationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link ListenerCondition}.
 */
class ListenerConditionTests {

	private static final String LISTENER = "OrderListener#onOrder(Order)";

	static final AtomicInteger sideEffects = new AtomicInteger();

	@TempDir
	Path directory;

	@BeforeEach
	void reset() {
		sideEffects.set(0);
	}

	// ---- basics

	@Test
	void alwaysMatchesEverything() {
		ListenerCondition always = ListenerCondition.always();
		assertThat(always.isAlways()).isTrue();
		assertThat(always.expression()).isEmpty();
		assertThat(always.matches(update(paid(), "NEW"))).isTrue();
		assertThat(always.matches(truncate())).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "  " })
	void blankExpressionIsAlways(String expression) {
		assertThat(ListenerCondition.parse(expression, LISTENER)).isSameAs(ListenerCondition.always());
		assertThat(ListenerCondition.parse(null, LISTENER)).isSameAs(ListenerCondition.always());
	}

	@Test
	void parsedConditionKeepsItsText() {
		ListenerCondition condition = ListenerCondition.parse("operation.name() == 'INSERT'", LISTENER);
		assertThat(condition.isAlways()).isFalse();
		assertThat(condition.expression()).isEqualTo("operation.name() == 'INSERT'");
	}

	/**
	 * The idioms the javadoc of {@link ListenerCondition} documents, each against an UPDATE of an order
	 * from NEW to PAID with a total of 100.00 (true) and against an INSERT of an order with status NEW and
	 * a total of 12.50 (false).
	 */
	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			operation.name() == 'UPDATE'                               | true  | false
			{'UPDATE', 'DELETE'}.contains(operation.name())            | true  | false
			table.name() == 'orders'                                   | true  | true
			table.schema() == 'public' and table.name() != 'customers' | true  | true
			table.toString() == 'public.orders'                        | true  | true
			row.get('status') == 'PAID'                                | true  | false
			row.get('id') == 42                                        | true  | false
			row.get('status') matches 'P.*'                            | true  | false
			changedColumns.contains('status')                          | true  | false
			before?.get('status') != after?.get('status')              | true  | true
			after != null and after.get('total') > 99                  | true  | false
			after.get('total') == 100                                  | true  | false
			after.get('total') >= 100.0                                | true  | false
			after.get('total') > 100                                   | false | false
			after.get('total').doubleValue() >= 100                    | true  | false
			after.get('total').compareTo(after.get('total')) == 0      | true  | true
			#event.xid == 7                                            | true  | false
			#root.operation.name() == 'UPDATE'                         | true  | false
			#this.row.get('status') == 'PAID'                          | true  | false
			row.toMap()['status'] == 'PAID'                            | true  | false
			row.contains('status') and row.get('status') == 'PAID'     | true  | false
			row.columns().size() == 4                                  | true  | true
			lsn.value() > 0 and commitLsn.toString() == '0/200'        | true  | true
			operation == 'UPDATE'                                      | false | false
			""")
	void documentedIdiomsWork(String expression, boolean onPaidUpdate, boolean onNewInsert) {
		ListenerCondition condition = ListenerCondition.parse(expression, LISTENER);
		assertThat(condition.matches(update(paid(), "NEW"))).as("%s on the paid update", expression)
			.isEqualTo(onPaidUpdate);
		assertThat(condition.matches(insert(order(1, "NEW", "12.50")))).as("%s on the new insert", expression)
			.isEqualTo(onNewInsert);
	}

	@Test
	void bigDecimalComparesWithIntegerLiteralsByValue() {
		ListenerCondition greater = ListenerCondition.parse("after.get('total') > 100", LISTENER);
		assertThat(greater.matches(insert(order(1, "NEW", "100.01")))).isTrue();
		assertThat(greater.matches(insert(order(1, "NEW", "100.00")))).isFalse();
		assertThat(greater.matches(insert(order(1, "NEW", "99.99")))).isFalse();
		ListenerCondition equal = ListenerCondition.parse("after.get('total') == 100", LISTENER);
		assertThat(equal.matches(insert(order(1, "NEW", "100.000")))).isTrue();
	}

	@Test
	void deleteWithKeyOnlyImageNeedsAGuard() {
		ChangeEvent delete = delete(Row.of(Map.of("id", 42L)));
		ListenerCondition guarded = ListenerCondition.parse("row.contains('status') and row.get('status') == 'PAID'",
				LISTENER);
		assertThat(guarded.matches(delete)).isFalse();
		ListenerCondition unguarded = ListenerCondition.parse("row.get('status') == 'PAID'", LISTENER);
		assertThatIllegalStateException().isThrownBy(() -> unguarded.matches(delete))
			.withMessageContaining(LISTENER)
			.withMessageContaining("\"row.get('status') == 'PAID'\"")
			.withMessageContaining("failed on DELETE public.orders")
			.withMessageContaining("No column 'status'");
	}

	@Test
	void truncateHasNoRow() {
		ListenerCondition condition = ListenerCondition.parse("row == null or row.get('status') == 'PAID'", LISTENER);
		assertThat(condition.matches(truncate())).isTrue();
		assertThatIllegalStateException()
			.isThrownBy(() -> ListenerCondition.parse("row.get('status') == 'PAID'", LISTENER).matches(truncate()))
			.withMessageContaining("failed on TRUNCATE public.orders");
	}

	// ---- errors

	@Test
	void parseErrorNamesListenerExpressionAndParserMessage() {
		assertThatIllegalStateException().isThrownBy(() -> ListenerCondition.parse("row.get('status' == ", LISTENER))
			.withMessageStartingWith("@CdcListener " + LISTENER + " has a condition that does not parse: "
					+ "\"row.get('status' == \": ")
			.withMessageContaining("EL1")
			.withCauseInstanceOf(org.springframework.expression.ParseException.class);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			row.get('status')          | String PAID
			xid                        | Long 7
			null                       | null
			row.get('missing_or_null') | null
			""")
	void nonBooleanResultIsRejected(String expression, String gave) {
		Map<String, Object> values = new LinkedHashMap<>();
		values.put("status", "PAID");
		values.put("missing_or_null", null);
		ChangeEvent event = update(Row.of(values), "NEW");
		assertThatIllegalStateException().isThrownBy(() -> ListenerCondition.parse(expression, LISTENER).matches(event))
			.withMessage("@CdcListener " + LISTENER + ": condition \"" + expression
					+ "\" must evaluate to true or false, but gave " + gave + " for UPDATE public.orders");
	}

	@Test
	void stringTrueIsNotABoolean() {
		assertThatIllegalStateException()
			.isThrownBy(() -> ListenerCondition.parse("'true'", LISTENER).matches(insert(paid())))
			.withMessageContaining("must evaluate to true or false, but gave String true");
	}

	// ---- security: each construct is refused when parsed, and by the evaluation context alone

	@Test
	void runtimeExecIsRefusedAndNeverRuns() throws IOException {
		File marker = this.directory.resolve("pwned").toFile();
		String expression = "T(java.lang.Runtime).getRuntime().exec('touch " + marker.getAbsolutePath() + "') != null";
		assertRefusedWhenParsed(expression, "a type reference T(java.lang.Runtime)");
		assertRefusedWhenEvaluated(expression, "java.lang.Runtime");
		assertThat(marker).doesNotExist();
	}

	@Test
	void staticTypeReferenceIsRefusedAndNeverRuns() {
		String expression = "T(dev.pgcdc.listener.support.ListenerConditionTests).sideEffect() > 0";
		assertRefusedWhenParsed(expression, "a type reference T(dev.pgcdc.listener.support.ListenerConditionTests)");
		assertRefusedWhenEvaluated(expression, "dev.pgcdc.listener.support.ListenerConditionTests");
		assertThat(sideEffects).hasValue(0);
	}

	@Test
	void typeComparisonIsRefused() {
		String expression = "operation == T(dev.pgcdc.event.Operation).UPDATE";
		assertRefusedWhenParsed(expression, "a type reference T(dev.pgcdc.event.Operation)");
		assertRefusedWhenEvaluated(expression, "dev.pgcdc.event.Operation");
	}

	@Test
	void beanReferenceIsRefused() {
		String expression = "@orderService.isImportant(#event)";
		assertRefusedWhenParsed(expression, "a bean reference @orderService");
		assertRefusedWhenEvaluated(expression, "orderService");
	}

	@Test
	void constructorCallIsRefusedAndNeverRuns() throws IOException {
		String expression = "new dev.pgcdc.listener.support.ListenerConditionTests$SideEffect() != null";
		assertRefusedWhenParsed(expression, "a constructor call new dev.pgcdc.listener.support.ListenerConditionTests$SideEffect()");
		assertRefusedWhenEvaluated(expression, "ListenerConditionTests$SideEffect");
		assertThat(sideEffects).hasValue(0);
	}

	@Test
	void fileConstructorIsRefusedAndNeverRuns() throws IOException {
		Path file = Files.writeString(this.directory.resolve("keep.txt"), "x");
		String expression = "new java.io.File('" + file + "').delete()";
		assertRefusedWhenParsed(expression, "a constructor call new java.io.File(");
		assertRefusedWhenEvaluated(expression, "java.io.File");
		assertThat(file).exists();
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			operation = null                    | an assignment operation = null
			#event = null                       | an assignment #event = null
			#flag = true                        | an assignment #flag = true
			row.columns = null                  | an assignment row.columns = null
			xid++ > 0                           | an assignment xid++
			--xid > 0                           | an assignment --xid
			""")
	void assignmentIsRefused(String expression, String construct) {
		assertRefusedWhenParsed(expression, construct);
		assertRefusedWhenEvaluated(expression, null);
	}

	@Test
	void reflectionThroughGetClassIsRefused() {
		String expression = "row.getClass().forName('java.lang.Runtime') != null";
		assertRefusedWhenEvaluated(expression, "getClass");
		// getClass is on no type's allow list: refused by name before it ever runs
		assertRefusedWhenParsed(expression, "a method getClass()");
	}

	@Test
	void unknownVariableIsRefusedWhenParsed() {
		assertRefusedWhenParsed("#evnt.xid > 0", "an unknown variable #evnt (only #after, #before, #event, #op, #root and #this exist)");
	}

	@Test
	void functionCallIsRefusedWhenParsed() {
		assertRefusedWhenParsed("#event(1)", "a function call #event(1)");
	}

	private static void assertRefusedWhenParsed(String expression, String construct) {
		assertThatIllegalStateException().isThrownBy(() -> ListenerCondition.parse(expression, LISTENER))
			.withMessageStartingWith("@CdcListener " + LISTENER + " has a condition that uses ")
			.withMessageContaining(construct)
			.withMessageContaining(", which conditions cannot use: \"" + expression + "\"; conditions read the "
					+ "ChangeEvent only, for example \"operation.name() == 'UPDATE'\"");
	}

	/** Proves that the restricted evaluation context refuses the construct even without the syntax check. */
	private static void assertRefusedWhenEvaluated(String expression, String named) {
		ListenerCondition unchecked = ListenerCondition.parse(expression, LISTENER, false);
		var failure = assertThatIllegalStateException().isThrownBy(() -> unchecked.matches(update(paid(), "NEW")))
			.withMessageStartingWith("@CdcListener " + LISTENER + ": condition \"" + expression + "\" failed on ")
			.withCauseInstanceOf(EvaluationException.class);
		if (named != null) {
			failure.withMessageContaining(named);
		}
	}

	/** Called only if a type reference got through. */
	public static int sideEffect() {
		return sideEffects.incrementAndGet();
	}

	/** Created only if a constructor call got through. */
	public static class SideEffect {

		public SideEffect() {
			sideEffects.incrementAndGet();
		}

	}

	// ---- compiled evaluation

	@Test
	void compiledConditionAgreesWithInterpretationAcrossRowImplementations() {
		ListenerCondition condition = ListenerCondition
			.parse("operation.name() == 'UPDATE' and row.get('status') == 'PAID' and #event.xid == 7", LISTENER);
		for (int i = 0; i < 1_000; i++) {
			boolean paid = (i % 3 == 0);
			Row row = (i % 2 == 0) ? order(i, paid ? "PAID" : "NEW", "1") : new ArrayRow(
					List.of("id", "status"), new Object[] { (long) i, paid ? "PAID" : "NEW" });
			assertThat(condition.matches(update(row, "NEW"))).as("evaluation %d", i).isEqualTo(paid);
			assertThat(condition.matches(insert(row))).as("evaluation %d", i).isFalse();
		}
	}

	@Test
	void compiledConditionStillReportsFailures() {
		ListenerCondition condition = ListenerCondition.parse("row.get('status') == 'PAID'", LISTENER);
		for (int i = 0; i < 500; i++) {
			condition.matches(insert(paid()));
		}
		assertThatIllegalStateException().isThrownBy(() -> condition.matches(delete(Row.of(Map.of("id", 1L)))))
			.withMessageContaining("failed on DELETE public.orders")
			.withMessageContaining("No column 'status'");
		assertThat(condition.matches(insert(paid()))).isTrue();
	}

	@Test
	void concurrentEvaluationIsSafe() throws Exception {
		ListenerCondition condition = ListenerCondition
			.parse("row.get('status') == 'PAID' and after.get('total') > 100", LISTENER);
		ExecutorService executor = Executors.newFixedThreadPool(4);
		try {
			List<Callable<Integer>> tasks = new ArrayList<>();
			for (int t = 0; t < 4; t++) {
				int thread = t;
				tasks.add(() -> {
					int matched = 0;
					for (int i = 0; i < 5_000; i++) {
						boolean expected = (i + thread) % 2 == 0;
						ChangeEvent event = insert(order(i, expected ? "PAID" : "NEW", expected ? "150" : "50"));
						if (condition.matches(event) != expected) {
							throw new AssertionError("wrong result at " + i + " on thread " + thread);
						}
						matched += expected ? 1 : 0;
					}
					return matched;
				});
			}
			for (Future<Integer> result : executor.invokeAll(tasks)) {
				assertThat(result.get()).isEqualTo(2_500);
			}
		}
		finally {
			executor.shutdown();
			assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
		}
	}

	// ---- events

	static Row order(long id, String status, String total) {
		Map<String, Object> values = new LinkedHashMap<>();
		values.put("id", id);
		values.put("status", status);
		values.put("total", new BigDecimal(total));
		values.put("customer_name", "alice");
		return Row.of(values);
	}

	static Row paid() {
		return order(42, "PAID", "100.00");
	}

	static ChangeEvent insert(Row row) {
		return new ChangeEvent(Operation.INSERT, new TableId("public", "orders"), null, row, Lsn.parse("0/100"),
				Lsn.parse("0/200"), 3, Instant.EPOCH);
	}

	static ChangeEvent update(Row after, String oldStatus) {
		Map<String, Object> before = new LinkedHashMap<>(after.toMap());
		before.put("status", oldStatus);
		return new ChangeEvent(Operation.UPDATE, new TableId("public", "orders"), Row.of(before), after,
				Lsn.parse("0/100"), Lsn.parse("0/200"), 7, Instant.EPOCH);
	}

	static ChangeEvent delete(Row before) {
		return new ChangeEvent(Operation.DELETE, new TableId("public", "orders"), before, null, Lsn.parse("0/100"),
				Lsn.parse("0/200"), 7, Instant.EPOCH);
	}

	static ChangeEvent truncate() {
		return new ChangeEvent(Operation.TRUNCATE, new TableId("public", "orders"), null, null, Lsn.parse("0/100"),
				Lsn.parse("0/200"), 7, Instant.EPOCH);
	}

	/** A second {@link Row} implementation, so that compiled code meets more than one row class. */
	static final class ArrayRow extends AbstractRow {

		private final List<String> columns;

		private final Object[] values;

		ArrayRow(List<String> columns, Object[] values) {
			super(ValueConverter.simple());
			this.columns = columns;
			this.values = values;
		}

		@Override
		public List<String> columns() {
			return this.columns;
		}

		@Override
		protected int indexOf(String column) {
			return this.columns.indexOf(column);
		}

		@Override
		protected Object valueAt(int index) {
			return this.values[index];
		}

		@Override
		protected boolean isUnchangedAt(int index) {
			return false;
		}

		@Override
		protected String source() {
			return "an array row";
		}

	}

}
