/**
 * The Redis sinks: Redis Streams per table and command templates that keep a Redis read model in sync,
 * applied in commit order, one MULTI/EXEC block per transaction, with an optional exactly-once fence.
 * Built on the application's Lettuce {@code RedisConnectionFactory}; see docs/redis.md.
 */
package dev.pgcdc.redis;
