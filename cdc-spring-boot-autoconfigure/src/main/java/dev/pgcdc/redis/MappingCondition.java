package dev.pgcdc.redis;

import java.util.Map;
import java.util.Set;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Row;
import dev.pgcdc.listener.support.RestrictedExpressions;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.expression.Expression;
import org.springframework.expression.spel.support.SimpleEvaluationContext;

/**
 * The optional SpEL {@code condition} of a mapped command, over {@code #op} ({@code insert},
 * {@code update}, {@code delete} or {@code snapshot}), {@code #after} and {@code #before} (the row images as
 * maps, {@code null} where the change has none), for example {@code #after['active'] == true}.
 *
 * <p>Evaluated in the same restricted context as {@code @CdcListener} conditions. A condition that cannot
 * be evaluated for a change (indexing a missing image) does not match, with one warning per command:
 * retrying a deterministic error would only stall the stream.
 *
 * @author pgcdc
 */
final class MappingCondition {

	private static final Log logger = LogFactory.getLog(MappingCondition.class);

	private static final Set<String> VARIABLES = Set.of("op", "after", "before");

	private static final Object ROOT = new Object();

	private static final String IDIOMS = "Conditions read #op, #after and #before, for example "
			+ "\"#after['active'] == true\"";

	private final Expression expression;

	private final String text;

	private final String origin;

	private volatile boolean warned;

	private MappingCondition(Expression expression, String text, String origin) {
		this.expression = expression;
		this.text = text;
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
		Expression parsed = RestrictedExpressions.parse(text, VARIABLES, true,
				(problem, cause) -> new IllegalStateException(origin + ".condition " + problem + ". " + IDIOMS, cause));
		return new MappingCondition(parsed, text, origin);
	}

	boolean matches(ChangeEvent event) {
		SimpleEvaluationContext context = RestrictedExpressions.context(ROOT);
		context.setVariable("op", CommandTemplate.operationName(event.operation()));
		context.setVariable("after", map(event.after()));
		context.setVariable("before", map(event.before()));
		try {
			return Boolean.TRUE.equals(this.expression.getValue(context));
		}
		catch (RuntimeException ex) {
			if (!this.warned) {
				this.warned = true;
				logger.warn(this.origin + ".condition \"" + this.text + "\" cannot be evaluated for " + event.operation()
						+ " of " + event.table() + " (" + ex.getMessage() + "); such changes do not match. Guard it, "
						+ "for example with #after != null and ...");
			}
			return false;
		}
	}

	private static Map<String, Object> map(Row row) {
		return (row != null) ? row.toMap() : null;
	}

}
