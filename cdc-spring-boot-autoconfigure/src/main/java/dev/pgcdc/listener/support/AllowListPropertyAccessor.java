package dev.pgcdc.listener.support;

import java.lang.reflect.Field;
import java.lang.reflect.Method;

import org.springframework.expression.AccessException;
import org.springframework.expression.EvaluationContext;
import org.springframework.expression.spel.support.ReflectivePropertyAccessor;

/**
 * Reads only properties backed by a method {@link ConditionAllowList} allows ({@code operation} for
 * {@code operation()}, {@code days} for {@code getDays()}), plus an array's {@code length}; never a
 * field, never a property of a {@code Class}, never a write. A property that exists but is not allowed
 * is refused with a {@link RefusedExpressionException}.
 *
 * @author pgcdc
 */
final class AllowListPropertyAccessor extends ReflectivePropertyAccessor {

	private final ReflectivePropertyAccessor everything = new ReflectivePropertyAccessor(false);

	AllowListPropertyAccessor() {
		super(false);
	}

	@Override
	public boolean canRead(EvaluationContext context, Object target, String name) throws AccessException {
		if (target instanceof Class<?> type) {
			throw new RefusedExpressionException("the property " + name + " of the Class " + type.getName());
		}
		if (target == null) {
			return false;
		}
		if (super.canRead(context, target, name)) {
			return true;
		}
		if (this.everything.canRead(context, target, name)) {
			throw new RefusedExpressionException(
					"the property " + name + " of " + target.getClass().getSimpleName());
		}
		return false;
	}

	@Override
	public boolean canWrite(EvaluationContext context, Object target, String name) {
		return false;
	}

	@Override
	protected boolean isCandidateForProperty(Method method, Class<?> targetClass) {
		return ConditionAllowList.allows(method, targetClass);
	}

	@Override
	protected Field findField(String name, Class<?> clazz, boolean mustBeStatic) {
		return null;
	}

}
