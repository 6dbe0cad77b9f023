package dev.pgcdc.listener.support;

import java.time.Duration;

import dev.pgcdc.event.ValueConverter;
import org.postgresql.util.PGInterval;

import org.springframework.core.convert.ConversionService;

/**
 * A {@link ValueConverter} backed by a Spring {@link ConversionService}, so that
 * {@code row.get("amount", Long.class)} and row mapping use the application's converters.
 *
 * <p>Adds the one conversion the type table promises that no Spring converter knows: an {@code interval}
 * to a {@link Duration}, exact for intervals of days and smaller units, refused for months and years,
 * whose length depends on the date they are added to.
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
		if (value instanceof PGInterval interval && type == Duration.class) {
			return type.cast(toDuration(interval));
		}
		T converted = this.conversionService.convert(value, type);
		if (converted == null && !type.isPrimitive()) {
			return ValueConverter.simple().convert(value, type);
		}
		return converted;
	}

	static Duration toDuration(PGInterval interval) {
		if (interval.getYears() != 0 || interval.getMonths() != 0) {
			throw new IllegalArgumentException("Interval '" + interval.getValue() + "' has months or years, which have "
					+ "no fixed length; map it to org.postgresql.util.PGInterval instead of Duration");
		}
		long micros = Math.round(interval.getSeconds() * 1_000_000d);
		return Duration.ofDays(interval.getDays())
			.plusHours(interval.getHours())
			.plusMinutes(interval.getMinutes())
			.plus(Duration.ofNanos(micros * 1000));
	}

}
