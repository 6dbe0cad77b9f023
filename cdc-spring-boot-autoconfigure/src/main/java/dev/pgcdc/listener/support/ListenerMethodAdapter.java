package dev.pgcdc.listener.support;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.UndeclaredThrowableException;
import java.lang.reflect.WildcardType;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Row;
import dev.pgcdc.event.TransactionEvent;

import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.core.ResolvableType;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Invokes one {@link dev.pgcdc.listener.CdcListener @CdcListener} method of a bean.
 *
 * <p>{@link #of(Object, Method, String)} works out the method's {@link Shape} from its parameters and
 * rejects signatures it cannot serve, with a message that names the method and says how to fix it. The
 * accepted signatures are:
 * <ul>
 * <li>{@code (ChangeEvent)}: {@link Shape#EVENT};</li>
 * <li>{@code (T)}, where {@code T} is a record or a concrete class with a no-argument constructor, filled
 * from {@link ChangeEvent#row()} with {@link Row#to(Class)}: {@link Shape#ROW};</li>
 * <li>{@code (Map<String, Object>)}, given {@link Row#toMap()} of {@link ChangeEvent#row()}, a read-only
 * map of the columns in table order: {@link Shape#MAP} ({@code Map<String, ?>} is accepted as well);</li>
 * <li>{@code (T, ChangeEvent)}, the row type (or {@code Map<String, Object>}) first and the event second:
 * {@link Shape#ROW_AND_EVENT};</li>
 * <li>{@code (TransactionEvent)}: {@link Shape#TRANSACTION};</li>
 * <li>{@code (List<ChangeEvent>)}, given {@link TransactionEvent#changes()}: {@link Shape#CHANGE_LIST};</li>
 * <li>{@code (LogicalMessage)}: {@link Shape#MESSAGE}.</li>
 * </ul>
 * Generic parameters are resolved against the bean's class, so a method declared on a generic base class
 * ({@code void on(T row)} in {@code Base<T>}) works for a subclass that binds {@code T}. The method may be
 * non-public, declared on a package-private class, static, and may return a value, which is ignored.
 *
 * <p>Row-shaped listeners ({@link Shape#ROW}, {@link Shape#MAP}, {@link Shape#ROW_AND_EVENT}) receive the
 * new image of an INSERT, UPDATE or SNAPSHOT and the old image of a DELETE, which holds only the key
 * columns unless the table has {@code REPLICA IDENTITY FULL}: the other components of the mapped type are
 * then {@code null} (or zero for primitives). A TRUNCATE has no row, so they are not invoked for it at all:
 * {@link #invoke(ChangeEvent)} returns without calling the method and {@link #acceptsTruncate()} says so
 * up front, so that a dispatcher can skip the event.
 *
 * <p>Everything is resolved when the adapter is created; an invocation costs one method handle call plus
 * the row mapping. The target is the method selected for the bean's own class, so that the method of a
 * JDK proxy's interface is used when the bean is such a proxy. An exception thrown by the method reaches
 * the caller as it was thrown, checked or not, never wrapped in an
 * {@link java.lang.reflect.InvocationTargetException}. Adapters are immutable and thread-safe.
 *
 * @author pgcdc
 */
public final class ListenerMethodAdapter implements ListenerInvoker {

	private static final String ACCEPTED = "use one parameter of type ChangeEvent, a record or bean mapped from the "
			+ "row, Map<String, Object>, TransactionEvent, List<ChangeEvent> or LogicalMessage, or (row type, ChangeEvent)";

	private static final MethodType ONE_ARGUMENT = MethodType.methodType(void.class, Object.class);

	private static final MethodType TWO_ARGUMENTS = MethodType.methodType(void.class, Object.class, Object.class);

	private final Shape shape;

	private final Class<?> rowType;

	private final boolean mapRow;

	private final MethodHandle handle;

	private final Method method;

	private final String description;

	private ListenerMethodAdapter(Shape shape, Class<?> rowType, MethodHandle handle, Method method,
			String description) {
		this.shape = shape;
		this.rowType = rowType;
		this.mapRow = (rowType == Map.class);
		this.handle = handle;
		this.method = method;
		this.description = description;
	}

	/**
	 * Create an adapter for a listener method, checking its signature.
	 * @param bean the bean that declares the method (ignored for a static method, may then be {@code null})
	 * @param method the annotated method, as found on the bean's class
	 * @param listenerDescription how to name the listener in messages, for example
	 * {@code OrderListener#onOrder(Order)}; {@code null} for {@link #describe(Method)}
	 * @return the adapter
	 * @throws IllegalStateException if the method's signature is not supported or the method cannot be
	 * made accessible
	 */
	public static ListenerMethodAdapter of(Object bean, Method method, String listenerDescription) {
		Objects.requireNonNull(method, "method must not be null");
		String description = (listenerDescription != null) ? listenerDescription : describe(method);
		boolean isStatic = Modifier.isStatic(method.getModifiers());
		if (bean == null && !isStatic) {
			throw new IllegalArgumentException("bean must not be null for the instance method " + description);
		}
		Class<?> targetClass = (bean != null) ? AopProxyUtils.ultimateTargetClass(bean) : method.getDeclaringClass();
		Signature signature = signature(method, targetClass, description);
		Method invocable = method;
		if (bean != null && !isStatic) {
			try {
				invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
			}
			catch (IllegalStateException ex) {
				throw new IllegalStateException("@CdcListener method " + description + " cannot be called on bean "
						+ bean.getClass().getName() + ": " + ex.getMessage(), ex);
			}
		}
		MethodHandle handle = handle(bean, invocable, isStatic, description);
		handle = handle.asType((signature.shape == Shape.ROW_AND_EVENT) ? TWO_ARGUMENTS : ONE_ARGUMENT);
		return new ListenerMethodAdapter(signature.shape, signature.rowType, handle, method, description);
	}

	/**
	 * Describe a method the way messages name listeners: simple class name, method name and simple
	 * parameter type names, for example {@code OrderListener#onOrder(Order, ChangeEvent)}.
	 * @param method the method
	 * @return the description
	 */
	public static String describe(Method method) {
		StringJoiner parameters = new StringJoiner(", ", "(", ")");
		for (Class<?> type : method.getParameterTypes()) {
			parameters.add(type.getSimpleName());
		}
		return ClassUtils.getShortName(method.getDeclaringClass()) + "#" + method.getName() + parameters;
	}

	/**
	 * Return what the method takes.
	 * @return the shape
	 */
	public Shape shape() {
		return this.shape;
	}

	/**
	 * Return the type rows are mapped to: the record or bean class, {@code Map.class} for map rows.
	 * @return the row type, or {@code null} if the method takes no row
	 */
	public Class<?> rowType() {
		return this.rowType;
	}

	/**
	 * Return whether the method takes whole transactions ({@link Shape#TRANSACTION} or
	 * {@link Shape#CHANGE_LIST}), to be called through {@link #invoke(TransactionEvent)}.
	 * @return whether transactions must be assembled for this listener
	 */
	@Override
	public boolean wantsTransactions() {
		return this.shape == Shape.TRANSACTION || this.shape == Shape.CHANGE_LIST;
	}

	/**
	 * Return whether the method takes logical messages, to be called through {@link #invoke(LogicalMessage)}.
	 * @return whether the shape is {@link Shape#MESSAGE}
	 */
	@Override
	public boolean wantsMessages() {
		return this.shape == Shape.MESSAGE;
	}

	/**
	 * Return whether the method is invoked for TRUNCATE events. Row-shaped methods are not, as a
	 * TRUNCATE carries no row; {@code (ChangeEvent)} methods are, and whole-transaction methods see
	 * TRUNCATE events among the transaction's changes.
	 * @return {@code false} for {@link Shape#ROW}, {@link Shape#MAP}, {@link Shape#ROW_AND_EVENT} and
	 * {@link Shape#MESSAGE}
	 */
	@Override
	public boolean acceptsTruncate() {
		return this.shape == Shape.EVENT || wantsTransactions();
	}

	/**
	 * Return the annotated method.
	 * @return the method
	 */
	public Method method() {
		return this.method;
	}

	/**
	 * Return the listener's description used in messages.
	 * @return the description
	 */
	@Override
	public String description() {
		return this.description;
	}

	/**
	 * Deliver one change to a method of shape {@link Shape#EVENT}, {@link Shape#ROW}, {@link Shape#MAP}
	 * or {@link Shape#ROW_AND_EVENT}. A row-shaped method is not called for an event without a row (a
	 * TRUNCATE).
	 * @param event the change
	 * @throws Exception whatever the method throws, as it threw it, or what mapping the row threw
	 * @throws IllegalStateException if the method takes transactions or messages
	 */
	@Override
	public void invoke(ChangeEvent event) throws Exception {
		try {
			switch (this.shape) {
				case EVENT -> this.handle.invokeExact((Object) event);
				case ROW, MAP -> {
					Row row = event.row();
					if (row != null) {
						this.handle.invokeExact(rowArgument(row));
					}
				}
				case ROW_AND_EVENT -> {
					Row row = event.row();
					if (row != null) {
						this.handle.invokeExact(rowArgument(row), (Object) event);
					}
				}
				default -> throw wrongDelivery("single changes");
			}
		}
		catch (Throwable ex) {
			throw rethrow(ex);
		}
	}

	/**
	 * Deliver a whole transaction to a method of shape {@link Shape#TRANSACTION} (which gets the event)
	 * or {@link Shape#CHANGE_LIST} (which gets {@link TransactionEvent#changes()}).
	 * @param transaction the transaction
	 * @throws Exception whatever the method throws, as it threw it
	 * @throws IllegalStateException if the method does not take transactions
	 */
	@Override
	public void invoke(TransactionEvent transaction) throws Exception {
		try {
			switch (this.shape) {
				case TRANSACTION -> this.handle.invokeExact((Object) transaction);
				case CHANGE_LIST -> this.handle.invokeExact((Object) transaction.changes());
				default -> throw wrongDelivery("transactions");
			}
		}
		catch (Throwable ex) {
			throw rethrow(ex);
		}
	}

	/**
	 * Deliver a logical message to a method of shape {@link Shape#MESSAGE}.
	 * @param message the message
	 * @throws Exception whatever the method throws, as it threw it
	 * @throws IllegalStateException if the method does not take messages
	 */
	@Override
	public void invoke(LogicalMessage message) throws Exception {
		if (this.shape != Shape.MESSAGE) {
			throw wrongDelivery("logical messages");
		}
		try {
			this.handle.invokeExact((Object) message);
		}
		catch (Throwable ex) {
			throw rethrow(ex);
		}
	}

	private Object rowArgument(Row row) {
		return this.mapRow ? row.toMap() : row.to(this.rowType);
	}

	private IllegalStateException wrongDelivery(String what) {
		return new IllegalStateException("@CdcListener method " + this.description + " takes " + this.shape
				+ " deliveries and cannot be given " + what);
	}

	static Exception rethrow(Throwable ex) {
		if (ex instanceof Error error) {
			throw error;
		}
		if (ex instanceof Exception exception) {
			return exception;
		}
		return new UndeclaredThrowableException(ex);
	}

	static MethodHandle handle(Object bean, Method method, boolean isStatic, String description) {
		try {
			ReflectionUtils.makeAccessible(method);
			MethodHandle handle = MethodHandles.lookup().unreflect(method);
			return isStatic ? handle : handle.bindTo(bean);
		}
		catch (IllegalAccessException | RuntimeException ex) {
			throw new IllegalStateException("Listener method " + description + " cannot be made accessible: "
					+ ex.getMessage() + ". Make it public or open its package to pgcdc", ex);
		}
	}

	private static Signature signature(Method method, Class<?> targetClass, String description) {
		int count = method.getParameterCount();
		if (count == 1) {
			ResolvableType type = ResolvableType.forMethodParameter(method, 0, targetClass);
			Class<?> raw = type.toClass();
			if (raw == ChangeEvent.class) {
				return new Signature(Shape.EVENT, null);
			}
			if (raw == TransactionEvent.class) {
				return new Signature(Shape.TRANSACTION, null);
			}
			if (raw == LogicalMessage.class) {
				return new Signature(Shape.MESSAGE, null);
			}
			if (raw == List.class) {
				Class<?> element = type.getGeneric(0).resolve();
				if (element == ChangeEvent.class) {
					return new Signature(Shape.CHANGE_LIST, null);
				}
				throw unsupported(description, "a " + describeGeneric(type, "List") + " cannot receive changes, "
						+ "declare it as List<ChangeEvent>");
			}
			if (raw == Map.class) {
				checkMap(type, description);
				return new Signature(Shape.MAP, Map.class);
			}
			checkRowType(type, description, "the parameter");
			return new Signature(Shape.ROW, raw);
		}
		if (count == 2) {
			ResolvableType first = ResolvableType.forMethodParameter(method, 0, targetClass);
			ResolvableType second = ResolvableType.forMethodParameter(method, 1, targetClass);
			if (second.toClass() != ChangeEvent.class) {
				if (first.toClass() == ChangeEvent.class) {
					throw unsupported(description, "with two parameters the row type comes first and the "
							+ "ChangeEvent second, as in (" + second.toClass().getSimpleName() + ", ChangeEvent)");
				}
				throw unsupported(description, null);
			}
			Class<?> raw = first.toClass();
			if (raw == Map.class) {
				checkMap(first, description);
				return new Signature(Shape.ROW_AND_EVENT, Map.class);
			}
			if (raw == ChangeEvent.class || raw == TransactionEvent.class || raw == LogicalMessage.class
					|| raw == List.class) {
				throw unsupported(description, "a " + raw.getSimpleName() + " cannot precede the ChangeEvent, "
						+ "only a row type can");
			}
			checkRowType(first, description, "the first parameter");
			return new Signature(Shape.ROW_AND_EVENT, raw);
		}
		throw unsupported(description, (count == 0) ? "it has no parameters" : "it has " + count + " parameters");
	}

	private static void checkMap(ResolvableType type, String description) {
		ResolvableType value = type.getGeneric(1);
		boolean anyValue = value.resolve() == Object.class || isUnboundedWildcard(value);
		if (isRaw(type) || type.getGeneric(0).resolve() != String.class || !anyValue) {
			throw unsupported(description, "a map receives the row only as Map<String, Object>, not as a "
					+ describeGeneric(type, "Map"));
		}
	}

	private static boolean isRaw(ResolvableType type) {
		return type.getType() instanceof Class;
	}

	private static boolean isUnboundedWildcard(ResolvableType type) {
		return type.getType() instanceof WildcardType wildcard && wildcard.getLowerBounds().length == 0
				&& (wildcard.getUpperBounds().length == 0 || wildcard.getUpperBounds()[0] == Object.class);
	}

	private static String describeGeneric(ResolvableType type, String name) {
		if (isRaw(type)) {
			return "raw " + name;
		}
		StringJoiner generics = new StringJoiner(", ", name + "<", ">");
		for (ResolvableType generic : type.getGenerics()) {
			Class<?> resolved = generic.resolve();
			generics.add((resolved != null && !isUnboundedWildcard(generic)) ? resolved.getSimpleName()
					: generic.getType().getTypeName());
		}
		return generics.toString();
	}

	private static void checkRowType(ResolvableType type, String description, String which) {
		Class<?> raw = type.resolve();
		if (raw == null || (raw == Object.class && type.getType() instanceof TypeVariable)) {
			throw unsupported(description, which + " (" + type.getType().getTypeName() + ") is a type variable "
					+ "that does not resolve to a class for this bean");
		}
		String problem = rowTypeProblem(raw);
		if (problem != null) {
			throw unsupported(description, which + " (" + raw.getSimpleName() + ") " + problem);
		}
	}

	private static String rowTypeProblem(Class<?> type) {
		if (type.isPrimitive() || type.isArray() || type == Object.class) {
			return "is not a row type: rows map onto records and beans only";
		}
		if (type == Row.class) {
			return "is not supported: take the ChangeEvent and call row(), or map the row onto a record";
		}
		String packageName = type.getPackageName();
		if (packageName.equals(ChangeEvent.class.getPackageName())) {
			return "is part of pgcdc's event model, not a row type";
		}
		if (packageName.startsWith("java.") || packageName.startsWith("javax.") || packageName.startsWith("jdk.")) {
			return "is a JDK type, not a row type: rows map onto your own records and beans";
		}
		if (type.isEnum() || type.isAnnotation()) {
			return "is not a row type: rows map onto records and beans only";
		}
		if (type.isRecord()) {
			return null;
		}
		if (type.isInterface() || Modifier.isAbstract(type.getModifiers())) {
			return "is " + (type.isInterface() ? "an interface" : "an abstract class")
					+ " and cannot be instantiated: make it a record or give it a no-argument constructor";
		}
		if (type.isMemberClass() && !Modifier.isStatic(type.getModifiers())) {
			return "is an inner class that needs an enclosing instance: make it a static nested class or a record";
		}
		try {
			type.getDeclaredConstructor();
			return null;
		}
		catch (NoSuchMethodException ex) {
			return "has no no-argument constructor: make it a record or give it a no-argument constructor";
		}
	}

	private static IllegalStateException unsupported(String description, String reason) {
		return new IllegalStateException("@CdcListener method " + description + " has an unsupported signature: "
				+ ((reason != null) ? reason + "; " : "") + ACCEPTED);
	}

	@Override
	public String toString() {
		return "ListenerMethodAdapter{" + this.description + " " + this.shape + "}";
	}

	private record Signature(Shape shape, Class<?> rowType) {
	}

	/**
	 * What a listener method takes.
	 */
	public enum Shape {

		/** {@code (ChangeEvent)}: every change, TRUNCATE included. */
		EVENT,

		/** {@code (T)}: the change's row mapped onto a record or bean; not called for TRUNCATE. */
		ROW,

		/** {@code (Map<String, Object>)}: the change's row as a map; not called for TRUNCATE. */
		MAP,

		/** {@code (T, ChangeEvent)}: the mapped row (or map) and the change; not called for TRUNCATE. */
		ROW_AND_EVENT,

		/** {@code (TransactionEvent)}: each whole transaction. */
		TRANSACTION,

		/** {@code (List<ChangeEvent>)}: the changes of each whole transaction. */
		CHANGE_LIST,

		/** {@code (LogicalMessage)}: logical decoding messages. */
		MESSAGE

	}

}
