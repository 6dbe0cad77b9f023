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
import org.springframework.expression.spel.ast.OpDec;
import org.springframework.expression.spel.ast.OpInc;
import org.springframework.expression.spel.ast.TypeReference;
import org.springframework.expression.spel.ast.VariableReference;
import org.springframework.expression.spel.standard.SpelExpression;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.DataBindingMethodResolver;
import org.springframework.expression.spel.support.DataBindingPropertyAccessor;
import org.springframework.expression.spel.support.SimpleEvaluationContext;

/**
 * The restricted SpEL that configured conditions are written in ({@code @CdcListener} conditions, Redis
 * mapping conditions): data expressions that read properties, call public instance methods and index
 * maps, and nothing else.
 *
 * <p>Type references, bean references, constructor calls, assignments, function calls and unknown
 * variables are rejected when parsed ({@link #findForbidden}), and the {@link #context evaluation context}
 * would refuse them anyway. Expressions compile in SpEL's {@link SpelCompilerMode#MIXED mixed} mode.
 *
 * @author pgcdc
 */
public final class RestrictedExpressions {

	// MIXED: interpreted first, then compiled to bytecode once the expression ran 100 times; a compiled
	// expression that throws falls back to interpretation, so errors read the same either way.
	private static final SpelExpressionParser PARSER = new SpelExpressionParser(
			new SpelParserConfiguration(SpelCompilerMode.MIXED, RestrictedExpressions.class.getClassLoader()));

	// Shared so that their reflection caches are reused; both are thread-safe.
	private static final PropertyAccessor PROPERTIES = DataBindingPropertyAccessor.forReadOnlyAccess();

	private static final MethodResolver METHODS = DataBindingMethodResolver.forInstanceMethodInvocation();

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
			BiFunction<String, ParseException, RuntimeException> problem) {
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
	 * Create an evaluation context that reads properties, calls public instance methods and nothing else.
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

	private static String findForbidden(SpelNode node, String expression, Set<String> variables) {
		String found = describeForbidden(node, expression, variables);
		for (int i = 0; found == null && i < node.getChildCount(); i++) {
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
		if (node instanceof VariableReference) {
			String name = node.toStringAST().substring(1);
			if (!variables.contains(name) && !name.equals("root") && !name.equals("this")) {
				return "an unknown variable #" + name + " (only " + String.join(", ",
						variables.stream().sorted().map((v) -> "#" + v).toList()) + ", #root and #this exist)";
			}
		}
		return null;
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
