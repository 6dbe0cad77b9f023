package dev.pgcdc.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

import redis.embedded.RedisServer;

/**
 * One real Redis server per test JVM, from the binaries shipped in the embedded-redis artifact, for the
 * Redis sinks' integration tests.
 *
 * <p>Tests that stop Redis on purpose start their own with {@link #startNew()}.
 */
public final class EmbeddedRedisSupport {

	private static volatile Server shared;

	private EmbeddedRedisSupport() {
	}

	/**
	 * Return the server shared by the tests of this JVM, starting it on first use.
	 * @return the running server
	 */
	public static Server shared() {
		Server server = shared;
		if (server == null) {
			synchronized (EmbeddedRedisSupport.class) {
				server = shared;
				if (server == null) {
					server = startNew();
					Server started = server;
					Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "embedded-redis-stop"));
					shared = server;
				}
			}
		}
		return server;
	}

	/**
	 * Start a new server on a free port; the caller stops it.
	 * @return the running server
	 */
	public static Server startNew() {
		try {
			int port;
			try (ServerSocket socket = new ServerSocket(0)) {
				port = socket.getLocalPort();
			}
			RedisServer redis = new RedisServer(port);
			redis.start();
			return new Server(redis, port);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start embedded Redis", ex);
		}
	}

	/**
	 * A running Redis server on localhost.
	 *
	 * @param redis the process
	 * @param port its port
	 */
	public record Server(RedisServer redis, int port) {

		public void stop() {
			try {
				this.redis.stop();
			}
			catch (IOException ex) {
				// stopping anyway
			}
		}

	}

}
