package dev.pgcdc.listener.support;

import java.util.Objects;

import dev.pgcdc.event.ChangeEvent;

import org.springframework.expression.spel.SpelCompilerMode;

/**
 * The SpEL {@link dev.pgcdc.listener.CdcListener#condition() condition} of a listener, parsed once and
 * evaluated for each {@link ChangeEvent}.
 *
 * <p>The event is the root object and is also bound to the variable {@code #event}; {@code #op},
 * {@code #after} and {@code #before} read it the way Redis mapping conditions do (one dialect, see
 * {@link ConditionExpression}). The condition must evaluate to {@code true} or {@code false}. Conditions
 * are data expressions over the event: they call only the read methods an allow list names
 * ({@link RestrictedExpressions}), never a {@code Class}, a static method, a setter or any other
 * mutating method. Type references ({@code T(...)}), bean references ({@code @bean}), constructor calls
 * ({@code new ...}), assignments ({@code =}, {@code ++}, {@code --}), function calls, unknown variables
 * and methods outside the allow list are rejected at start-up, and the evaluation context refuses them
 * anyway.
 *
 * <p>Idioms that work (record-style accessors such as {@code operation()} read as properties):
 * <ul>
 * <li>{@code operation.name() == 'UPDATE'}, or {@code {'INSERT', 'UPDATE'}.contains(operation.name())};
 * enum constants cannot be named without {@code T(...)}, and {@code operation == 'UPDATE'} is always
 * {@code false} since an enum never equals a string;</li>
 * <li>{@code table.name() == 'orders'}, {@code table.toString() == 'public.orders'};</li>
 * <li>{@code row.get('status') == 'PAID'}, {@code row.get('id') == 42};</li>
 * <li>{@code changedColumns.contains('status')}, {@code before?.get('status') != after?.get('status')};</li>
 * <li>{@code after != null and after.get('total') > 100}: numeric operators compare a {@code BigDecimal}
 * with an integer literal by value, so {@code 100.00 == 100} holds too; {@code row.get('total', ...)} needs
 * a {@code Class} argument and is therefore unavailable, use the value as it is (or
 * {@code row.get('total').doubleValue()});</li>
 * <li>{@code #event.xid > 0}, {@code row.toMap()['status'] == 'PAID'}, {@code row.get('note') matches 'x.*'}.</li>
 * </ul>
 * A row that does not carry a column (the key-only old image of a DELETE) makes {@code row.get} fail:
 * guard such conditions with {@code row.contains('status') and ...}.
 *
 * <p>Instances are thread-safe: each evaluation uses its own evaluation context. Expressions run in
 * SpEL's {@link SpelCompilerMode#MIXED mixed} mode: interpreted for the first evaluations (each resolving
 * only what the restricted context allows), then compiled to bytecode that calls exactly the accessors
 * the interpreter resolved, which takes a typical evaluation from about two microseconds to about a
 * hundred nanoseconds. A compiled expression that fails is interpreted again, so that errors are
 * reported the same way.
 *
 * @author pgcdc
 */
public final class ListenerCondition {

	private static final String IDIOMS = "conditions read the ChangeEvent only, for example "
			+ "\"operation.name() == 'UPDATE'\", \"row.get('status') == 'PAID'\", \"changedColumns.contains('status')\" "
			+ "or \"table.name() == 'orders'\"";

	private static final ListenerCondition ALWAYS = new ListenerCondition(null, "", "");

	private final ConditionExpression expression;

	private final String text;

	private final String listenerDescription;

	private ListenerCondition(ConditionExpression expression, String text, String listenerDescription) {
		this.expression = expression;
		this.text = text;
		this.listenerDescription = listenerDescription;
	}

	/**
	 * Return the condition that matches every event.
	 * @return the condition without an expression
	 */
	public static ListenerCondition always() {
		return ALWAYS;
	}

	/**
	 * Parse a condition.
	 * @param expression the SpEL expression; {@code null} or blank for {@link #always()}
	 * @param listenerDescription the listener the condition belongs to, for messages
	 * @return the condition
	 * @throws IllegalStateException if the expression does not parse or uses what conditions may not
	 * (types, beans, constructors, assignments, other variables, methods outside the allow list, also when
	 * evaluated against a sample change); the message names the listener and the expression
	 */
	public static ListenerCondition parse(String expression, String listenerDescription) {
		return parse(expression, listenerDescription, true);
	}

	/**
	 * Parse a condition, optionally without checking which constructs it uses, so that tests can prove the
	 * evaluation context alone refuses them.
	 */
	static ListenerCondition parse(String expression, String listenerDescription, boolean checkConstructs) {
		if (expression == null || expression.isBlank()) {
			return ALWAYS;
		}
		ConditionExpression parsed = ConditionExpression.parse(expression, checkConstructs,
				(problem, cause) -> new IllegalStateException("@CdcListener " + listenerDescription + " has a condition "
						+ "that " + problem + ((cause != null) ? "" : "; " + IDIOMS), cause));
		return new ListenerCondition(parsed, expression, listenerDescription);
	}

	/**
	 * Return whether an event satisfies the condition.
	 * @param event the event, the expression's root object and {@code #event}
	 * @return the expression's value; always {@code true} for {@link #always()}
	 * @throws IllegalStateException if the expression fails on the event or does not evaluate to a
	 * {@code Boolean}; the message names the listener and the expression
	 */
	public boolean matches(ChangeEvent event) {
		if (this.expression == null) {
			return true;
		}
		Objects.requireNonNull(event, "event must not be null");
		Object value;
		try {
			value = this.expression.evaluate(event);
		}
		catch (RuntimeException ex) {
			// SpEL passes exceptions of the methods it calls through unwrapped (row.get of a missing column)
			RefusedExpressionException refused = RefusedExpressionException.find(ex);
			String reason = (refused != null) ? "it uses " + refused.getMessage() + " (nothing was called)"
					: ex.getMessage();
			throw new IllegalStateException("@CdcListener " + this.listenerDescription + ": condition \"" + this.text
					+ "\" failed on " + event.operation() + " " + event.table() + ": " + reason, ex);
		}
		if (value instanceof Boolean result) {
			return result;
		}
		throw new IllegalStateException("@CdcListener " + this.listenerDescription + ": condition \"" + this.text
				+ "\" must evaluate to true or false, but gave "
				+ ((value != null) ? value.getClass().getSimpleName() + " " + value : "null") + " for "
				+ event.operation() + " " + event.table());
	}

	/**
	 * Return the condition's text.
	 * @return the expression, empty for {@link #always()}
	 */
	public String expression() {
		return this.text;
	}

	/**
	 * Return whether this condition matches every event without evaluating anything.
	 * @return whether there is no expression
	 */
	public boolean isAlways() {
		return this.expression == null;
	}

	@Override
	public String toString() {
		return (this.expression != null) ? "ListenerCondition{" + this.text + "}" : "ListenerCondition{always}";
	}

}
