package dev.pgcdc.event;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps rows onto records and JavaBeans by column name, {@code snake_case} to {@code camelCase};
 * one instance per target type, built once and cached.
 */
abstract class RowMapper<T> {

	private static final ClassValue<RowMapper<?>> MAPPERS = new ClassValue<>() {
		@Override
		protected RowMapper<?> computeValue(Class<?> type) {
			return type.isRecord() ? new RecordMapper<>(type) : new BeanMapper<>(type);
		}
	};

	@SuppressWarnings("unchecked")
	static <T> RowMapper<T> forType(Class<T> type) {
		return (RowMapper<T>) MAPPERS.get(type);
	}

	abstract T map(Row row, ValueConverter converter);

	static String camelCase(String column) {
		StringBuilder out = new StringBuilder(column.length());
		boolean upper = false;
		for (int i = 0; i < column.length(); i++) {
			char c = column.charAt(i);
			if (c == '_') {
				upper = out.length() > 0;
			}
			else {
				out.append(upper ? Character.toUpperCase(c) : c);
				upper = false;
			}
		}
		return out.toString();
	}

	/** Finds the row column for a Java name: exact, then by camelCase, ignoring case. */
	static String findColumn(Row row, String javaName) {
		if (row.contains(javaName)) {
			return javaName;
		}
		for (String column : row.columns()) {
			if (camelCase(column).equalsIgnoreCase(javaName)) {
				return column;
			}
		}
		return null;
	}

	static Object value(Row row, String javaName, Class<?> type, ValueConverter converter, Class<?> target) {
		String column = findColumn(row, javaName);
		if (column == null) {
			return type.isPrimitive() ? primitiveDefault(type) : null;
		}
		Object value = row.get(column);
		if (value == null) {
			return type.isPrimitive() ? primitiveDefault(type) : null;
		}
		try {
			return converter.convert(value, type);
		}
		catch (RuntimeException ex) {
			throw new IllegalArgumentException("Cannot map column '" + column + "' (" + value.getClass().getSimpleName()
					+ ") to " + target.getSimpleName() + "." + javaName + " of type " + type.getName(), ex);
		}
	}

	private static Object primitiveDefault(Class<?> type) {
		if (type == boolean.class) {
			return false;
		}
		if (type == char.class) {
			return '\0';
		}
		if (type == long.class) {
			return 0L;
		}
		if (type == double.class) {
			return 0d;
		}
		if (type == float.class) {
			return 0f;
		}
		if (type == short.class) {
			return (short) 0;
		}
		if (type == byte.class) {
			return (byte) 0;
		}
		return 0;
	}

	static RuntimeException instantiationFailure(Class<?> type, Throwable ex) {
		Throwable cause = (ex instanceof InvocationTargetException ite) ? ite.getTargetException() : ex;
		return new IllegalStateException("Cannot create " + type.getName() + " from a row: " + cause.getMessage(), cause);
	}

	private static final class RecordMapper<T> extends RowMapper<T> {

		private final Class<T> type;

		private final RecordComponent[] components;

		private final Constructor<T> constructor;

		RecordMapper(Class<T> type) {
			this.type = type;
			this.components = type.getRecordComponents();
			Class<?>[] types = new Class<?>[this.components.length];
			for (int i = 0; i < types.length; i++) {
				types[i] = this.components[i].getType();
			}
			try {
				this.constructor = type.getDeclaredConstructor(types);
				this.constructor.setAccessible(true);
			}
			catch (ReflectiveOperationException | RuntimeException ex) {
				throw new IllegalStateException("Record " + type.getName() + " has no accessible canonical constructor", ex);
			}
		}

		@Override
		T map(Row row, ValueConverter converter) {
			Object[] args = new Object[this.components.length];
			for (int i = 0; i < args.length; i++) {
				RecordComponent component = this.components[i];
				args[i] = value(row, component.getName(), component.getType(), converter, this.type);
			}
			try {
				return this.constructor.newInstance(args);
			}
			catch (ReflectiveOperationException ex) {
				throw instantiationFailure(this.type, ex);
			}
		}

	}

	private static final class BeanMapper<T> extends RowMapper<T> {

		private final Class<T> type;

		private final Constructor<T> constructor;

		private final Map<String, Property> properties = new LinkedHashMap<>();

		BeanMapper(Class<T> type) {
			this.type = type;
			try {
				this.constructor = type.getDeclaredConstructor();
				this.constructor.setAccessible(true);
			}
			catch (ReflectiveOperationException | RuntimeException ex) {
				throw new IllegalStateException("Cannot map rows onto " + type.getName()
						+ ": it is neither a record nor a class with a no-argument constructor", ex);
			}
			for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
				for (Field field : c.getDeclaredFields()) {
					if (!Modifier.isStatic(field.getModifiers()) && !Modifier.isFinal(field.getModifiers())) {
						this.properties.putIfAbsent(field.getName(), new Property(field.getName(), field.getType(), field, null));
					}
				}
			}
			for (Method method : type.getMethods()) {
				if (method.getName().length() > 3 && method.getName().startsWith("set") && method.getParameterCount() == 1
						&& !Modifier.isStatic(method.getModifiers())) {
					String name = Character.toLowerCase(method.getName().charAt(3)) + method.getName().substring(4);
					this.properties.put(name, new Property(name, method.getParameterTypes()[0], null, method));
				}
			}
		}

		@Override
		T map(Row row, ValueConverter converter) {
			try {
				T instance = this.constructor.newInstance();
				List<Property> present = new ArrayList<>();
				for (Property property : this.properties.values()) {
					if (findColumn(row, property.name) != null) {
						present.add(property);
					}
				}
				for (Property property : present) {
					property.set(instance, value(row, property.name, property.type, converter, this.type));
				}
				return instance;
			}
			catch (ReflectiveOperationException ex) {
				throw instantiationFailure(this.type, ex);
			}
		}

		private record Property(String name, Class<?> type, Field field, Method setter) {

			void set(Object target, Object value) throws ReflectiveOperationException {
				if (this.setter != null) {
					this.setter.invoke(target, value);
				}
				else {
					this.field.setAccessible(true);
					this.field.set(target, value);
				}
			}

		}

	}

}
