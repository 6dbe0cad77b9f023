package dev.pgcdc.listener.support;

import dev.pgcdc.event.ValueConverter;

import org.springframework.core.convert.ConversionService;

/**
 * A {@link ValueConverter} backed by a Spring {@link ConversionService}, so that
 * {@code row.get("amount", Long.class)} and row mapping use the application's converters.
 *
 * @author pgcdc
 */
public class ConversionServiceValueConverter implements ValueConverter {

	private final ConversionService conversionService;

	public ConversionServiceValueConverter(ConversionService conversionService) {
		this.conversionService = conversionService;
	}

	@Override
	public <T> T convert(Object value, Class<T> type) {
		if (type.isInstance(value)) {
			return type.cast(value);
		}
		T converted = this.conversionService.convert(value, type);
		if (converted == null && !type.isPrimitive()) {
			return ValueConverter.simple().convert(value, type);
		}
		return converted;
	}

}
