package dev.pgcdc.listener.support;

import java.lang.reflect.Method;
import java.util.List;

import org.springframework.core.convert.TypeDescriptor;
import org.springframework.expression.AccessException;
import org.springframework.expression.EvaluationContext;
import org.springframework.expression.MethodExecutor;
import org.springframework.expression.spel.support.ReflectiveMethodResolver;

/**
 * Resolves only the instance methods {@link ConditionAllowList} allows; a method that exists but is not
 * allowed is refused with a {@link RefusedExpressionException} (not the "method not found" of a typo).
 * The executors it returns are SpEL's own reflective ones, so compiled conditions call exactly the
 * allowed methods.
 *
 * @author pgcdc
 */
final class AllowListMethodResolver extends ReflectiveMethodResolver {

	@Override
	public MethodExecutor resolve(EvaluationContext context, Object targetObject, String name,
			List<TypeDescriptor> argumentTypes) throws AccessException {
		if (targetObject instanceof Class<?> type) {
			throw new RefusedExpressionException("the method " + name + "() of the Class " + type.getName());
		}
		if (targetObject == null) {
			return null;
		}
		MethodExecutor executor = super.resolve(context, targetObject, name, argumentTypes);
		if (executor == null && exists(targetObject.getClass(), name)) {
			throw new RefusedExpressionException(
					"the method " + name + "() of " + targetObject.getClass().getSimpleName());
		}
		return executor;
	}

	@Override
	protected boolean isCandidateForInvocation(Method method, Class<?> targetClass) {
		return ConditionAllowList.allows(method, targetClass);
	}

	private static boolean exists(Class<?> type, String name) {
		for (Method method : type.getMethods()) {
			if (method.getName().equals(name)) {
				return true;
			}
		}
		return false;
	}

}
