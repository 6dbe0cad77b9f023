package dev.pgcdc.listener.support;

import java.util.Set;
import java.util.function.BiFunction;

import org.springframework.expression.Expression;
import org.springframework.expression.MethodResolver;
import org.springframework.expression.ParseException;
import org.springframework.expression.PropertyAccessor;
import org.springframework.expression.spel.SpelCompilerMode;
import org.springframework.expression.spel.SpelNode;
import org.springframework.expression.spel.SpelParserConfiguration;
import org.springframework.expression.spel.ast.Assign;
import org.springframework.expression.spel.ast.BeanReference;
import org.springframework.expression.spel.ast.ConstructorReference;
import org.springframework.expression.spel.ast.FunctionReference;
import org.springframework.expression.spel.ast.InlineMap;
import org.springframework.expression.spel.ast.IntLiteral;
import org.springframework.expression.spel.ast.MethodReference;
import org.springframework.expression.spel.ast.OpDec;
import org.springframework.expression.spel.ast.OpInc;
import org.springframework.expression.spel.ast.OperatorPower;
import org.springframework.expression.spel.ast.PropertyOrFieldReference;
import org.springframework.expression.spel.ast.TypeReference;
import org.springframework.expression.spel.ast.VariableReference;
import org.springframework.expression.spel.standard.SpelExpression;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.SimpleEvaluationContext;

/**
 * The one SpEL dialect of configured conditions ({@code @CdcListener} conditions, Redis mapping
 * conditions): data expressions over a change that read, compare and compute, and nothing else.
 *
 * <p>Checked twice. When parsed ({@link #findForbidden}): no type references, bean references,
 * constructor calls, assignments, function calls or unknown variables; every method and property name
 * must be one {@link ConditionAllowList} allows for some type; {@code ^} only with a small literal
 * exponent; at most {@value #MAX_LENGTH} characters. When evaluated ({@link #context}): an allow list of
 * methods by type resolves calls and property reads, so a {@code Class}, a static method or a mutating
 * method is refused whatever the parser could see. SpEL itself bounds the strings {@code +} and {@code *}
 * build (100,000 and 256 characters). Expressions compile in SpEL's {@link SpelCompilerMode#MIXED mixed}
 * mode.
 *
 * @author pgcdc
 */
public final class RestrictedExpressions {

	/** The longest condition accepted, in characters. */
	public static final int MAX_LENGTH = 1_000;

	/** The largest literal exponent {@code ^} accepts: a power of a big decimal costs its exponent. */
	static final int MAX_EXPONENT = 64;

	/** The variables every condition may read, besides {@code #root} and {@code #this}. */
	public static final Set<String> VARIABLES = Set.of("event", "op", "after", "before");

	// MIXED: interpreted first, then compiled to bytecode once the expression ran 100 times; a compiled
	// expression that throws falls back to interpretation, so errors read the same either way.
	private static final SpelExpressionParser PARSER = new SpelExpressionParser(
			new SpelParserConfiguration(SpelCompilerMode.MIXED, RestrictedExpressions.class.getClassLoader()));

	// Shared so that their reflection caches are reused; both are thread-safe.
	private static final PropertyAccessor PROPERTIES = new AllowListPropertyAccessor();

	private static final MethodResolver METHODS = new AllowListMethodResolver();

	private RestrictedExpressions() {
	}

	/**
	 * Parse an expression.
	 * @param expression the text
	 * @return the parsed expression
	 * @throws ParseException if it does not parse
	 */
	public static Expression parse(String expression) {
		return PARSER.parseExpression(expression);
	}

	/**
	 * Parse an expression and reject what restricted expressions may not use.
	 * @param expression the text
	 * @param variables the variables it may read besides {@code #root} and {@code #this}
	 * @param checkConstructs whether to reject forbidden constructs (tests turn it off to prove the evaluation
	 * context refuses them too)
	 * @param problem builds the exception from what is wrong: the parse error, or "uses a type reference ..."
	 * @return the parsed expression
	 */
	public static Expression parse(String expression, Set<String> variables, boolean checkConstructs,
			BiFunction<String, Exception, RuntimeException> problem) {
		if (expression.length() > MAX_LENGTH) {
			throw problem.apply("is " + expression.length() + " characters long; conditions are limited to "
					+ MAX_LENGTH + " characters: \"" + expression.substring(0, 60) + "...\"", null);
		}
		Expression parsed;
		try {
			parsed = parse(expression);
		}
		catch (ParseException ex) {
			throw problem.apply("does not parse: \"" + expression + "\": " + ex.getMessage(), ex);
		}
		String forbidden = checkConstructs ? findForbidden(parsed, expression, variables) : null;
		if (forbidden != null) {
			throw problem.apply("uses " + forbidden + ", which conditions cannot use: \"" + expression + "\"", null);
		}
		return parsed;
	}

	/**
	 * Describe the first construct a restricted expression may not use.
	 * @param parsed the parsed expression
	 * @param expression its text
	 * @param variables the variables it may read besides {@code #root} and {@code #this}
	 * @return a description such as "a type reference T(java.lang.Runtime)", or {@code null} if none
	 */
	public static String findForbidden(Expression parsed, String expression, Set<String> variables) {
		if (parsed instanceof SpelExpression spel) {
			return findForbidden(spel.getAST(), expression, variables);
		}
		return null;
	}

	/**
	 * Return whether an expression reads a variable, so that evaluation sets only the variables it needs.
	 * @param parsed the parsed expression
	 * @param variable the name without {@code #}
	 * @return whether {@code #variable} occurs
	 */
	public static boolean readsVariable(Expression parsed, String variable) {
		return (parsed instanceof SpelExpression spel) && readsVariable(spel.getAST(), variable);
	}

	/**
	 * Create an evaluation context that resolves only what {@link ConditionAllowList} allows, with
	 * assignment disabled.
	 * @param root the root object
	 * @return a new context; set variables on it
	 */
	public static SimpleEvaluationContext context(Object root) {
		return SimpleEvaluationContext.forPropertyAccessors(PROPERTIES)
			.withMethodResolvers(METHODS)
			.withAssignmentDisabled()
			.withCompilationSupported()
			.withRootObject(root)
			.build();
	}

	private static boolean readsVariable(SpelNode node, String variable) {
		if (node instanceof VariableReference && node.toStringAST().equals("#" + variable)) {
			return true;
		}
		for (int i = 0; i < node.getChildCount(); i++) {
			if (readsVariable(node.getChild(i), variable)) {
				return true;
			}
		}
		return false;
	}

	private static String findForbidden(SpelNode node, String expression, Set<String> variables) {
		String found = describeForbidden(node, expression, variables);
		for (int i = 0; found == null && i < node.getChildCount(); i++) {
			if (node instanceof InlineMap && i % 2 == 0 && node.getChild(i) instanceof PropertyOrFieldReference) {
				// a key of {status: 'PAID'}: a name, not a property read
				continue;
			}
			found = findForbidden(node.getChild(i), expression, variables);
		}
		return found;
	}

	private static String describeForbidden(SpelNode node, String expression, Set<String> variables) {
		if (node instanceof TypeReference) {
			return "a type reference " + node.toStringAST();
		}
		if (node instanceof BeanReference) {
			return "a bean reference " + node.toStringAST();
		}
		if (node instanceof ConstructorReference) {
			return "a constructor call " + node.toStringAST();
		}
		if (node instanceof Assign || node instanceof OpInc || node instanceof OpDec) {
			return "an assignment " + source(node, expression);
		}
		if (node instanceof FunctionReference) {
			return "a function call " + node.toStringAST();
		}
		if (node instanceof MethodReference method && !ConditionAllowList.isAllowedName(method.getName())) {
			return "a method " + method.getName() + "() (conditions call only the read methods listed in "
					+ "docs/listeners.md, Conditions)";
		}
		if (node instanceof PropertyOrFieldReference property
				&& !ConditionAllowList.isAllowedProperty(property.getName())) {
			return "a property " + property.getName() + " (conditions read only the properties listed in "
					+ "docs/listeners.md, Conditions)";
		}
		if (node instanceof OperatorPower && !smallLiteral(node.getChild(1))) {
			return "the power operator ^ with an exponent that is not a whole number literal from 0 to "
					+ MAX_EXPONENT + " (" + source(node, expression) + ")";
		}
		if (node instanceof VariableReference) {
			String name = node.toStringAST().substring(1);
			if (!variables.contains(name) && !name.equals("root") && !name.equals("this")) {
				return "an unknown variable #" + name + " (only " + String.join(", ",
						variables.stream().sorted().map((v) -> "#" + v).toList()) + ", #root and #this exist)";
			}
		}
		return null;
	}

	private static boolean smallLiteral(SpelNode exponent) {
		if (exponent instanceof IntLiteral literal && literal.getLiteralValue().getValue() instanceof Integer value) {
			return value >= 0 && value <= MAX_EXPONENT;
		}
		return false;
	}

	/** The text an assignment was parsed from ({@code toStringAST} drops the spaces). */
	private static String source(SpelNode node, String expression) {
		int[] span = { node.getStartPosition(), node.getEndPosition() };
		widen(node, span);
		if (span[0] >= 0 && span[1] > span[0] && span[1] <= expression.length()) {
			return expression.substring(span[0], span[1]).trim();
		}
		return node.toStringAST();
	}

	private static void widen(SpelNode node, int[] span) {
		for (int i = 0; i < node.getChildCount(); i++) {
			SpelNode child = node.getChild(i);
			span[0] = Math.min(span[0], child.getStartPosition());
			span[1] = Math.max(span[1], child.getEndPosition());
			widen(child, span);
		}
	}

}
