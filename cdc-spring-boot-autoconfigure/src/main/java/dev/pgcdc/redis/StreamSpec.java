package dev.pgcdc.redis;

import java.util.List;

/**
 * The Redis Streams sink as configured under {@code cdc.redis.stream}: one stream per table.
 *
 * @param tables the tables to stream, empty for every captured table but the opt-in ones (the outbox)
 * @param keyPattern the stream key, with {@code {schema}} and {@code {table}} placeholders
 * @param format {@code native} or {@code debezium}
 * @param maxLength approximate length a stream is trimmed to on each add; 0 or less for no trimming
 * @param debeziumMessageFormat {@code compact} or {@code extended}, the layout of a debezium entry
 * @author pgcdc
 */
public record StreamSpec(List<String> tables, String keyPattern, String format, long maxLength,
		String debeziumMessageFormat) {

	public StreamSpec {
		tables = (tables != null) ? List.copyOf(tables) : List.of();
	}

}
