package dev.pgcdc.redis;

import java.time.Duration;
import java.util.Objects;

import dev.pgcdc.listener.FailurePolicy;

/**
 * How the Redis sink writes: batching, the exactly-once fence, retries and the failure policy.
 *
 * @param batchSize commands sent in one pipelined round trip (whole transactions are never split
 * between two MULTI/EXEC blocks, a larger transaction just takes several round trips)
 * @param flushInterval how long a batch waits for more transactions before it is sent
 * @param exactlyOnce whether to keep the last applied commit position in Redis and skip replays
 * @param fenceKey the key holding that position
 * @param timeout how long to wait for Redis to answer before the connection counts as lost
 * @param retryInitialInterval first wait before reconnecting to Redis
 * @param retryMaxInterval longest wait before reconnecting
 * @param failurePolicy what happens to a transaction Redis refused a command of (WRONGTYPE and the like)
 * @param queueCapacity transactions held between the dispatcher and the writer
 * @author pgcdc
 */
public record RedisSinkSettings(int batchSize, Duration flushInterval, boolean exactlyOnce, String fenceKey,
		Duration timeout, Duration retryInitialInterval, Duration retryMaxInterval, FailurePolicy failurePolicy,
		int queueCapacity) {

	public RedisSinkSettings {
		Objects.requireNonNull(flushInterval, "flushInterval must not be null");
		Objects.requireNonNull(fenceKey, "fenceKey must not be null");
		Objects.requireNonNull(timeout, "timeout must not be null");
		Objects.requireNonNull(retryInitialInterval, "retryInitialInterval must not be null");
		Objects.requireNonNull(retryMaxInterval, "retryMaxInterval must not be null");
		Objects.requireNonNull(failurePolicy, "failurePolicy must not be null");
	}

	/**
	 * Return the defaults of the {@code cdc.redis.*} properties.
	 * @return default settings
	 */
	public static RedisSinkSettings defaults() {
		return new RedisSinkSettings(512, Duration.ofMillis(5), false, "cdc:fence:{slot}", Duration.ofSeconds(10),
				Duration.ofMillis(200), Duration.ofSeconds(10), FailurePolicy.DEAD_LETTER, 256);
	}

	/**
	 * Return a copy with exactly-once on or off.
	 * @param exactlyOnce whether to fence
	 * @return the settings
	 */
	public RedisSinkSettings withExactlyOnce(boolean exactlyOnce) {
		return new RedisSinkSettings(this.batchSize, this.flushInterval, exactlyOnce, this.fenceKey, this.timeout,
				this.retryInitialInterval, this.retryMaxInterval, this.failurePolicy, this.queueCapacity);
	}

	/**
	 * Return a copy with other retry intervals.
	 * @param initial first wait
	 * @param max longest wait
	 * @return the settings
	 */
	public RedisSinkSettings withRetry(Duration initial, Duration max) {
		return new RedisSinkSettings(this.batchSize, this.flushInterval, this.exactlyOnce, this.fenceKey, this.timeout,
				initial, max, this.failurePolicy, this.queueCapacity);
	}

	/**
	 * Return a copy with another failure policy.
	 * @param policy the policy
	 * @return the settings
	 */
	public RedisSinkSettings withFailurePolicy(FailurePolicy policy) {
		return new RedisSinkSettings(this.batchSize, this.flushInterval, this.exactlyOnce, this.fenceKey, this.timeout,
				this.retryInitialInterval, this.retryMaxInterval, policy, this.queueCapacity);
	}

}
