package dev.pgcdc.redis;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.listener.support.ConditionExpression;
import dev.pgcdc.listener.support.RefusedExpressionException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The optional SpEL {@code condition} of a mapped command, in the same dialect as {@code @CdcListener}
 * conditions ({@link ConditionExpression}): {@code #op} ({@code insert}, {@code update}, {@code delete}
 * or {@code snapshot}), {@code #after} and {@code #before} (the row images as maps, {@code null} where the
 * change has none), for example {@code #after['active'] == true}, or the event itself as root
 * ({@code row.get('active') == true}, {@code changedColumns.contains('price')}).
 *
 * <p>A condition that cannot be evaluated for a change (indexing a missing image) does not match, with
 * one warning per command: retrying a deterministic error would only stall the stream. A condition that
 * reaches for what conditions may not use is refused at start-up, or, should a value only show it then,
 * fails the sink with a message naming the mapping: nothing it asked for is called.
 *
 * @author pgcdc
 */
final class MappingCondition {

	private static final Log logger = LogFactory.getLog(MappingCondition.class);

	private static final String IDIOMS = "Conditions read #op, #after and #before, or the change as root, for "
			+ "example \"#after['active'] == true\" or \"row.get('active') == true\"";

	private final ConditionExpression expression;

	private final String origin;

	private volatile boolean warned;

	private MappingCondition(ConditionExpression expression, String origin) {
		this.expression = expression;
		this.origin = origin;
	}

	/**
	 * Parse a condition.
	 * @param text the expression, {@code null} or blank for none
	 * @param origin the mapped command, for messages
	 * @return the condition, or {@code null} for none
	 * @throws IllegalStateException naming the command if the expression does not parse or uses what
	 * conditions may not
	 */
	static MappingCondition parse(String text, String origin) {
		if (text == null || text.isBlank()) {
			return null;
		}
		ConditionExpression parsed = ConditionExpression.parse(text, true,
				(problem, cause) -> new IllegalStateException(origin + ".condition " + problem + ". " + IDIOMS, cause));
		return new MappingCondition(parsed, origin);
	}

	boolean matches(ChangeEvent event) {
		try {
			return Boolean.TRUE.equals(this.expression.evaluate(event));
		}
		catch (RuntimeException ex) {
			RefusedExpressionException refused = RefusedExpressionException.find(ex);
			if (refused != null) {
				throw new IllegalStateException(this.origin + ".condition \"" + this.expression.text() + "\" uses "
						+ refused.getMessage() + " (found on " + event.operation() + " of " + event.table()
						+ "; nothing was called). " + IDIOMS, ex);
			}
			if (!this.warned) {
				this.warned = true;
				logger.warn(this.origin + ".condition \"" + this.expression.text() + "\" cannot be evaluated for "
						+ event.operation() + " of " + event.table() + " (" + ex.getMessage() + "); such changes do not "
						+ "match. Guard it, for example with #after != null and ...");
			}
			return false;
		}
	}

}
