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
 * @param decimalHandling with {@code debezium}: {@code precise}, {@code double} or {@code string}
 * @param timePrecision with {@code debezium}: {@code adaptive}, {@code adaptive_time_microseconds} or
 * {@code connect}
 * @param binaryHandling with {@code debezium}: {@code bytes}, {@code base64}, {@code base64-url-safe} or
 * {@code hex}
 * @author pgcdc
 */
public record StreamSpec(List<String> tables, String keyPattern, String format, long maxLength,
		String debeziumMessageFormat, String decimalHandling, String timePrecision, String binaryHandling) {

	public StreamSpec {
		tables = (tables != null) ? List.copyOf(tables) : List.of();
		decimalHandling = (decimalHandling != null) ? decimalHandling : "precise";
		timePrecision = (timePrecision != null) ? timePrecision : "adaptive";
		binaryHandling = (binaryHandling != null) ? binaryHandling : "bytes";
	}

	/**
	 * Create a spec with Debezium's default value encodings.
	 * @param tables the tables to stream
	 * @param keyPattern the stream key pattern
	 * @param format {@code native} or {@code debezium}
	 * @param maxLength approximate length a stream is trimmed to
	 * @param debeziumMessageFormat {@code compact} or {@code extended}
	 */
	public StreamSpec(List<String> tables, String keyPattern, String format, long maxLength,
			String debeziumMessageFormat) {
		this(tables, keyPattern, format, maxLength, debeziumMessageFormat, null, null, null);
	}

}
