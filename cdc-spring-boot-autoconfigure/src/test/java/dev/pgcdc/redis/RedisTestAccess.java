package dev.pgcdc.redis;

import java.nio.file.Path;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import redis.embedded.RedisServer;

/**
 * Reads a Redis the tests of other packages check, through the same client set-up as the Redis tests.
 */
public final class RedisTestAccess {

	private RedisTestAccess() {
	}

	/**
	 * Create (not start) a Redis that keeps its data in a directory, so it can be stopped and started again
	 * on the same port with its data.
	 * @param port the port
	 * @param directory where its append-only file lives
	 * @return the server
	 * @throws Exception if it cannot be set up
	 */
	public static RedisServer restartableServer(int port, Path directory) throws Exception {
		return RedisTestSupport.persistentServer(port, directory);
	}

	/**
	 * Return the number of members of a set.
	 * @param port the Redis port on localhost
	 * @param key the set
	 * @return its cardinality
	 */
	public static long setSize(int port, String key) {
		LettuceConnectionFactory factory = RedisTestSupport.connectionFactory(port);
		try (RedisConnection connection = factory.getConnection()) {
			Long size = connection.setCommands().sCard(key.getBytes());
			return (size != null) ? size : 0;
		}
		finally {
			factory.destroy();
		}
	}

}
