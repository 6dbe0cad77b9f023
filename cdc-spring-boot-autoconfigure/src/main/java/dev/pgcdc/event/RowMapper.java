package dev.pgcdc.event;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
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

	/** The columns found for this mapper's Java names in the last column list seen, compared by identity. */
	private volatile Resolved resolved;

	abstract T map(Row row, ValueConverter converter);

	/**
	 * Return the column for each of this mapper's Java names ({@code null} where the row has none). Rows of
	 * one table share their column list, so the search, which builds the camelCase form of every column,
	 * runs once per table shape rather than for every row.
	 */
	String[] columnsFor(Row row, String[] javaNames) {
		List<String> columns = row.columns();
		Resolved last = this.resolved;
		if (last != null && last.columns == columns) {
			return last.names;
		}
		String[] names = new String[javaNames.length];
		for (int i = 0; i < names.length; i++) {
			names[i] = findColumn(row, javaNames[i]);
		}
		this.resolved = new Resolved(columns, names);
		return names;
	}

	private record Resolved(List<String> columns, String[] names) {
	}

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

	static Object value(Row row, String column, String javaName, Class<?> type, ValueConverter converter,
			Class<?> target) {
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

		private final String[] names;

		RecordMapper(Class<T> type) {
			this.type = type;
			this.components = type.getRecordComponents();
			this.names = Arrays.stream(this.components).map(RecordComponent::getName).toArray(String[]::new);
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
			String[] columns = columnsFor(row, this.names);
			Object[] args = new Object[this.components.length];
			for (int i = 0; i < args.length; i++) {
				RecordComponent component = this.components[i];
				args[i] = value(row, columns[i], component.getName(), component.getType(), converter, this.type);
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

		private final Property[] properties;

		private final String[] names;

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
			this.properties = properties(type);
			this.names = Arrays.stream(this.properties).map(Property::name).toArray(String[]::new);
		}

		private static Property[] properties(Class<?> type) {
			Map<String, Property> properties = new LinkedHashMap<>();
			for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
				for (Field field : c.getDeclaredFields()) {
					if (!Modifier.isStatic(field.getModifiers()) && !Modifier.isFinal(field.getModifiers())) {
						properties.putIfAbsent(field.getName(), new Property(field.getName(), field.getType(), field, null));
					}
				}
			}
			for (Method method : type.getMethods()) {
				if (method.getName().length() > 3 && method.getName().startsWith("set") && method.getParameterCount() == 1
						&& !Modifier.isStatic(method.getModifiers())) {
					String name = Character.toLowerCase(method.getName().charAt(3)) + method.getName().substring(4);
					properties.put(name, new Property(name, method.getParameterTypes()[0], null, method));
				}
			}
			return properties.values().toArray(new Property[0]);
		}

		@Override
		T map(Row row, ValueConverter converter) {
			try {
				T instance = this.constructor.newInstance();
				String[] columns = columnsFor(row, this.names);
				for (int i = 0; i < columns.length; i++) {
					// a property without a column keeps its initial value
					if (columns[i] != null) {
						Property property = this.properties[i];
						property.set(instance,
								value(row, columns[i], property.name, property.type, converter, this.type));
					}
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
