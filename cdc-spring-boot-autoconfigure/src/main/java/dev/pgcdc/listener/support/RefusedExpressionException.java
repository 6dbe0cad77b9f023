package dev.pgcdc.listener.support;

import java.util.Set;

import org.springframework.expression.EvaluationException;
import org.springframework.expression.spel.SpelEvaluationException;
import org.springframework.expression.spel.SpelMessage;

/**
 * Thrown when a condition reaches for something outside what conditions may use: a method or property
 * not on the allow list, a {@code Class}, a static member. Raised by the evaluation context itself, so
 * that an expression the parser could not judge is still refused, never run.
 *
 * @author pgcdc
 */
public final class RefusedExpressionException extends EvaluationException {

	/** SpEL's own bounds on what an expression builds: a condition that reaches one is refused too. */
	private static final Set<SpelMessage> LIMITS = Set.of(SpelMessage.MAX_CONCATENATED_STRING_LENGTH_EXCEEDED,
			SpelMessage.MAX_REPEATED_TEXT_SIZE_EXCEEDED, SpelMessage.MAX_ARRAY_ELEMENTS_THRESHOLD_EXCEEDED,
			SpelMessage.MAX_REGEX_LENGTH_EXCEEDED, SpelMessage.MAX_OPERATIONS_EXCEEDED,
			SpelMessage.MAX_BIG_POWER_RESULT_EXCEEDED);

	private final String construct;

	RefusedExpressionException(String construct) {
		this(construct, null);
	}

	private RefusedExpressionException(String construct, Throwable cause) {
		super(construct + ", which conditions cannot use", cause);
		this.construct = construct;
	}

	/**
	 * Return what the condition tried to use, such as {@code "the method setDays() of PGInterval"}.
	 * @return the refused construct
	 */
	public String construct() {
		return this.construct;
	}

	/**
	 * Find the refusal among the causes of a failed evaluation: one of the allow list, or one of SpEL's
	 * bounds (a string over 100,000 characters, a repeat over 256, a huge power).
	 * @param failure what the evaluation threw
	 * @return the refusal, or {@code null} if the failure is an ordinary one
	 */
	public static RefusedExpressionException find(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof RefusedExpressionException refused) {
				return refused;
			}
			if (cause instanceof SpelEvaluationException spel && LIMITS.contains(spel.getMessageCode())) {
				return new RefusedExpressionException("a value beyond SpEL's limits (" + spel.getMessage() + ")", spel);
			}
			if (cause.getCause() == cause) {
				break;
			}
		}
		return null;
	}

}
