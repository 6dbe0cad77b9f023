package dev.pgcdc.event;

/**
 * Converts a decoded column value to the type a caller asks for in {@link Row#get(String, Class)}
 * and {@link Row#to(Class)}.
 *
 * <p>The Spring Boot auto-configuration installs one backed by the application's
 * {@code ConversionService}; {@link #simple()} is what rows use without it.
 *
 * @author pgcdc
 */
@FunctionalInterface
public interface ValueConverter {

	/**
	 * Convert {@code value} to {@code type}.
	 * @param value a decoded column value, never {@code null}
	 * @param type the requested type
	 * @param <T> the requested type
	 * @return the converted value
	 * @throws IllegalArgumentException if the value cannot be converted
	 */
	<T> T convert(Object value, Class<T> type);

	/**
	 * Return a converter that handles assignable types, boxing, {@code String} and numbers only.
	 * @return the simple converter
	 */
	static ValueConverter simple() {
		return SimpleValueConverter.INSTANCE;
	}

}
