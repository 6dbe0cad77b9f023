package dev.pgcdc.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.pgcdc.event.TableId;
import dev.pgcdc.listener.DeadLetters;
import dev.pgcdc.replication.ReplicationSettings;

import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Builds a {@link RedisSink} from its configuration, checking it first: every template, placeholder,
 * column and condition of the mappings against the tables, the stream format and the settings. A problem
 * fails with a message naming the property and the fix.
 *
 * @author pgcdc
 */
public final class RedisSinkFactory {

	private RedisSinkFactory() {
	}

	/**
	 * Create a sink.
	 * @param settings how to write
	 * @param stream the stream sink, or {@code null} when it is off
	 * @param mappings the command-template mappings, empty for none
	 * @param replication the engine's settings (slot, captured and opt-in tables, database)
	 * @param dataSource the captured database, to check the mapped tables
	 * @param connectionFactory the application's Redis
	 * @param deadLetters supplies the dead-letter store, or {@code null}
	 * @return the sink, not started
	 * @throws IllegalStateException if the configuration is wrong
	 */
	public static RedisSink create(RedisSinkSettings settings, StreamSpec stream, List<TableMappingSpec> mappings,
			ReplicationSettings replication, DataSource dataSource, RedisConnectionFactory connectionFactory,
			Supplier<DeadLetters> deadLetters) {
		check(settings);
		List<TableId> published = replication.tables().stream().map(TableId::parse).toList();
		Predicate<TableId> captured = (table) -> published.isEmpty() || published.contains(table);
		List<ChangePlanner> planners = new ArrayList<>();
		if (stream != null) {
			planners.add(StreamPlanner.create(stream, replication.optInMatcher(), captured, replication.slotName(),
					database(replication.connection().url()), (dataSource != null) ? new PrimaryKeys(dataSource) : null));
		}
		if (!mappings.isEmpty()) {
			planners.add(CommandTemplatePlanner.compile(mappings, dataSource, captured));
		}
		String fenceKey = settings.fenceKey().replace("{slot}", replication.slotName());
		LettuceChannel channel = LettuceChannel.create(connectionFactory, settings.timeout());
		if (channel.cluster() != null) {
			if (settings.exactlyOnce()) {
				ClusterSlots.checkFenceBase(fenceKey);
			}
			channel.cluster().fence(fenceKey);
		}
		return new RedisSink(planners, channel, settings, fenceKey, deadLetters,
				() -> LettuceChannel.create(connectionFactory, settings.timeout()));
	}

	private static void check(RedisSinkSettings settings) {
		if (settings.batchSize() < 1) {
			throw new IllegalStateException("cdc.redis.write.batch-size is " + settings.batchSize()
					+ "; use 1 or more (512 is a good start)");
		}
		if (settings.flushInterval().isNegative()) {
			throw new IllegalStateException("cdc.redis.write.flush-interval is negative; use 0 or more, e.g. 5ms");
		}
		if (settings.timeout().isZero() || settings.timeout().isNegative()) {
			throw new IllegalStateException("cdc.redis.write.timeout must be positive, e.g. 10s");
		}
		if (settings.retryInitialInterval().isNegative()
				|| settings.retryMaxInterval().compareTo(settings.retryInitialInterval()) < 0) {
			throw new IllegalStateException("cdc.redis.retry.max-interval must not be shorter than "
					+ "cdc.redis.retry.initial-interval, and neither negative");
		}
		if (settings.exactlyOnce() && settings.fenceKey().isBlank()) {
			throw new IllegalStateException("cdc.redis.write.fence-key is empty; use e.g. cdc:fence:{slot}");
		}
	}

	/** The database name of a JDBC URL, for Debezium's {@code source.db}. */
	static String database(String jdbcUrl) {
		return ChangeEventJson.databaseName(jdbcUrl);
	}

}
