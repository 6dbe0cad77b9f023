package dev.pgcdc.listener.support;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Row;
import dev.pgcdc.event.TableId;

import org.springframework.expression.Expression;
import org.springframework.expression.spel.standard.SpelExpression;
import org.springframework.expression.spel.support.SimpleEvaluationContext;

/**
 * A condition in the one dialect shared by {@code @CdcListener} conditions and Redis mapping conditions
 * ({@link RestrictedExpressions}), parsed once and evaluated for each {@link ChangeEvent}.
 *
 * <p>Both spellings read the same change: the event is the root object ({@code row.get('status')},
 * {@code operation.name() == 'UPDATE'}) and the variable {@code #event}; {@code #op} is the operation in
 * lower case ({@code 'insert'}, {@code 'update'}, {@code 'delete'}, {@code 'truncate'},
 * {@code 'snapshot'}); {@code #after} and {@code #before} are the row images as unmodifiable maps,
 * {@code null} where the change has none ({@code #after['active'] == true}).
 *
 * <p>Some refusals can only show when evaluating (the type of a value decides which methods it has), so a
 * checked condition is also evaluated at start-up against a sample change of each operation: a refusal
 * there fails start-up like a parse error, other failures (a {@code null} sample value) do not count.
 * Instances are thread-safe.
 *
 * @author pgcdc
 */
public final class ConditionExpression {

	private static final String[] OPERATION_NAMES = operationNames();

	private final Expression expression;

	private final String text;

	private final boolean readsOp;

	private final boolean readsAfter;

	private final boolean readsBefore;

	private ConditionExpression(Expression expression, String text) {
		this.expression = expression;
		this.text = text;
		this.readsOp = RestrictedExpressions.readsVariable(expression, "op");
		this.readsAfter = RestrictedExpressions.readsVariable(expression, "after");
		this.readsBefore = RestrictedExpressions.readsVariable(expression, "before");
	}

	/**
	 * Parse a condition and check it: its constructs and names when parsed, then its evaluation against
	 * sample changes.
	 * @param text the expression
	 * @param check whether to check (tests turn it off to prove the evaluation context refuses alone)
	 * @param problem builds the exception from what is wrong ("does not parse: ...", "uses ..."), with the
	 * parse error as cause when there is one
	 * @return the condition
	 */
	public static ConditionExpression parse(String text, boolean check,
			BiFunction<String, Exception, RuntimeException> problem) {
		Objects.requireNonNull(text, "text must not be null");
		ConditionExpression condition = new ConditionExpression(
				RestrictedExpressions.parse(text, RestrictedExpressions.VARIABLES, check, problem), text);
		if (check) {
			// a separate copy: sample evaluations must not decide what the real one compiles to
			new ConditionExpression(RestrictedExpressions.parse(text), text).checkOnSamples(problem);
		}
		return condition;
	}

	/**
	 * Evaluate the condition for a change.
	 * @param event the change
	 * @return the expression's value
	 * @throws RuntimeException if the evaluation fails; {@link RefusedExpressionException#find} tells a
	 * refusal from an ordinary failure (a missing column)
	 */
	public Object evaluate(ChangeEvent event) {
		SimpleEvaluationContext context = RestrictedExpressions.context(event);
		context.setVariable("event", event);
		if (this.readsOp) {
			context.setVariable("op", OPERATION_NAMES[event.operation().ordinal()]);
		}
		if (this.readsAfter) {
			context.setVariable("after", map(event.after()));
		}
		if (this.readsBefore) {
			context.setVariable("before", map(event.before()));
		}
		return this.expression.getValue(context);
	}

	/**
	 * Return the condition's text.
	 * @return the expression as written
	 */
	public String text() {
		return this.text;
	}

	/**
	 * Compile the expression now, for tests: whether the allow-list resolver and accessor still let SpEL
	 * turn an evaluated condition into bytecode (MIXED mode does so by itself after 100 evaluations).
	 */
	boolean compile() {
		return (this.expression instanceof SpelExpression spel) && spel.compileExpression();
	}

	private void checkOnSamples(BiFunction<String, Exception, RuntimeException> problem) {
		for (ChangeEvent sample : SampleRow.events()) {
			try {
				evaluate(sample);
			}
			catch (RuntimeException ex) {
				RefusedExpressionException refused = RefusedExpressionException.find(ex);
				if (refused != null) {
					throw problem.apply("uses " + refused.construct() + ", which conditions cannot use: \""
							+ this.text + "\"", null);
				}
			}
		}
	}

	private static Map<String, Object> map(Row row) {
		return (row != null) ? row.toMap() : null;
	}

	private static String[] operationNames() {
		Operation[] operations = Operation.values();
		String[] names = new String[operations.length];
		for (Operation operation : operations) {
			names[operation.ordinal()] = operation.name().toLowerCase(Locale.ROOT);
		}
		return names;
	}

	/** A row image of the sample changes: carries every column, each {@code null}. */
	private static final class SampleRow implements Row {

		private static final Row INSTANCE = new SampleRow();

		static List<ChangeEvent> events() {
			TableId table = new TableId("public", "sample");
			Lsn lsn = new Lsn(1);
			return List.of(new ChangeEvent(Operation.INSERT, table, null, INSTANCE, lsn, lsn, 1, Instant.EPOCH),
					new ChangeEvent(Operation.UPDATE, table, INSTANCE, INSTANCE, lsn, lsn, 1, Instant.EPOCH),
					new ChangeEvent(Operation.DELETE, table, INSTANCE, null, lsn, lsn, 1, Instant.EPOCH),
					new ChangeEvent(Operation.TRUNCATE, table, null, null, lsn, lsn, 1, Instant.EPOCH),
					new ChangeEvent(Operation.SNAPSHOT, table, null, INSTANCE, lsn, lsn, 0, Instant.EPOCH));
		}

		@Override
		public Object get(String column) {
			return null;
		}

		@Override
		public <T> T get(String column, Class<T> type) {
			return null;
		}

		@Override
		public boolean contains(String column) {
			return true;
		}

		@Override
		public boolean isUnchanged(String column) {
			return false;
		}

		@Override
		public List<String> columns() {
			return List.of();
		}

		@Override
		public Map<String, Object> toMap() {
			return Map.of();
		}

		@Override
		public <T> T to(Class<T> type) {
			throw new IllegalStateException("a sample row maps to nothing");
		}

	}

}
