package dev.pgcdc.sample;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;

import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * What the embedded PostgreSQL and Redis of the demo mode have in common: they are found by properties of
 * lowest precedence, so anything the user sets wins, and they stop with the JVM.
 *
 * @author pgcdc
 */
final class EmbeddedServers {

	private EmbeddedServers() {
	}

	static void use(ConfigurableEnvironment environment, String name, Map<String, Object> properties) {
		environment.getPropertySources().addLast(new MapPropertySource(name, properties));
	}

	static void stopOnExit(String name, Stoppable server) {
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			try {
				server.stop();
			}
			catch (IOException ex) {
				// the JVM is going away
			}
		}, name + "-stop"));
	}

	static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	/**
	 * A server that can be stopped.
	 */
	@FunctionalInterface
	interface Stoppable {

		void stop() throws IOException;

	}

}
