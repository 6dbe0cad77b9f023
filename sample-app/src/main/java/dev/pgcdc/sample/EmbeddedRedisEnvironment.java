package dev.pgcdc.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

import redis.embedded.RedisServer;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Starts an embedded Redis (the binary shipped in the embedded-redis artifact) on a free port and points
 * {@code spring.data.redis.*} at it, unless the application was given {@code spring.data.redis.host} or
 * {@code spring.data.redis.url}. It holds the demo's read model ({@code /cache/...}).
 *
 * @author pgcdc
 */
public class EmbeddedRedisEnvironment implements EnvironmentPostProcessor {

	private static Integer port;

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (environment.containsProperty("spring.data.redis.host")
				|| environment.containsProperty("spring.data.redis.url")) {
			return;
		}
		EmbeddedServers.use(environment, "embeddedRedis",
				Map.of("spring.data.redis.host", "localhost", "spring.data.redis.port", start()));
	}

	private static synchronized int start() {
		if (port == null) {
			try {
				int free = EmbeddedServers.freePort();
				RedisServer redis = new RedisServer(free);
				redis.start();
				EmbeddedServers.stopOnExit("embedded-redis", redis::stop);
				port = free;
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Could not start the embedded Redis", ex);
			}
		}
		return port;
	}

}
