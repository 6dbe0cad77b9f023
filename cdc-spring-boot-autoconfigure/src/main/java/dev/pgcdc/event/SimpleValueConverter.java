package dev.pgcdc.event;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;

/**
 * The {@link ValueConverter} used when no {@code ConversionService} is around (plain Java use,
 * unit tests of listeners).
 */
final class SimpleValueConverter implements ValueConverter {

	static final SimpleValueConverter INSTANCE = new SimpleValueConverter();

	private static final Map<Class<?>, Class<?>> BOXES = Map.of(int.class, Integer.class, long.class, Long.class,
			short.class, Short.class, byte.class, Byte.class, double.class, Double.class, float.class, Float.class,
			boolean.class, Boolean.class, char.class, Character.class);

	@Override
	@SuppressWarnings("unchecked")
	public <T> T convert(Object value, Class<T> type) {
		Class<?> target = type.isPrimitive() ? BOXES.get(type) : type;
		if (target.isInstance(value)) {
			return (T) value;
		}
		if (target == String.class) {
			return (T) value.toString();
		}
		if (value instanceof Number number) {
			Object converted = convertNumber(number, target);
			if (converted != null) {
				return (T) converted;
			}
		}
		if (value instanceof String text) {
			Object converted = parse(text, target);
			if (converted != null) {
				return (T) converted;
			}
		}
		throw new IllegalArgumentException(
				"Cannot convert " + value.getClass().getName() + " to " + type.getName() + ": '" + value + "'");
	}

	private static Object convertNumber(Number number, Class<?> target) {
		if (target == Long.class) {
			return number.longValue();
		}
		if (target == Integer.class) {
			return number.intValue();
		}
		if (target == Short.class) {
			return number.shortValue();
		}
		if (target == Double.class) {
			return number.doubleValue();
		}
		if (target == Float.class) {
			return number.floatValue();
		}
		if (target == BigDecimal.class) {
			return new BigDecimal(number.toString());
		}
		if (target == BigInteger.class) {
			return new BigDecimal(number.toString()).toBigIntegerExact();
		}
		return null;
	}

	private static Object parse(String text, Class<?> target) {
		if (target == Long.class) {
			return Long.valueOf(text);
		}
		if (target == Integer.class) {
			return Integer.valueOf(text);
		}
		if (target == BigDecimal.class) {
			return new BigDecimal(text);
		}
		if (target == Boolean.class) {
			return Boolean.valueOf(text);
		}
		if (target.isEnum()) {
			return enumValue(target, text);
		}
		return null;
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private static Object enumValue(Class<?> target, String text) {
		return Enum.valueOf((Class) target, text);
	}

}
