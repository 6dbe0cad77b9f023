package dev.pgcdc.redis;

import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Micrometer meters of the Redis sink: {@code cdc.redis.commands}, {@code cdc.redis.transactions},
 * {@code cdc.redis.replays.skipped}, {@code cdc.redis.retries}, {@code cdc.redis.dead.letters} and
 * {@code cdc.redis.skipped} (function counters over the sink's own counters, so the write path is not
 * touched).
 *
 * @author pgcdc
 */
public class RedisSinkMetrics implements MeterBinder {

	private final RedisSinkStatistics statistics;

	public RedisSinkMetrics(RedisSink sink) {
		this.statistics = sink.statistics();
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		counter(registry, "cdc.redis.commands", "Redis commands sent by the sinks", RedisSinkStatistics::commands);
		counter(registry, "cdc.redis.transactions", "Transactions applied to Redis in MULTI/EXEC blocks",
				RedisSinkStatistics::transactions);
		counter(registry, "cdc.redis.replays.skipped", "Replayed transactions the exactly-once fence skipped",
				RedisSinkStatistics::replaysSkipped);
		counter(registry, "cdc.redis.retries", "Attempts to reach Redis again after it failed",
				RedisSinkStatistics::retries);
		counter(registry, "cdc.redis.dead.letters", "Transactions dead-lettered after Redis refused a command",
				RedisSinkStatistics::deadLetters);
		counter(registry, "cdc.redis.skipped", "Transactions skipped after Redis refused a command",
				RedisSinkStatistics::skipped);
		counter(registry, "cdc.redis.redirections",
				"Slot blocks a Redis Cluster redirected (MOVED, ASK, TRYAGAIN) and the sink sent again",
				RedisSinkStatistics::redirections);
	}

	private void counter(MeterRegistry registry, String name, String description,
			ToDoubleFunction<RedisSinkStatistics> value) {
		FunctionCounter.builder(name, this.statistics, value).description(description).register(registry);
	}

}
