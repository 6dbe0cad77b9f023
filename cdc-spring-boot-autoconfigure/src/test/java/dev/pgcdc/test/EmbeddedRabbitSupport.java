package dev.pgcdc.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.rabbitmq.client.ConnectionFactory;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

/**
 * Private RabbitMQ nodes for the tests, from Debian's {@code rabbitmq-server} package (installed by
 * {@code .ci/run}): each node gets free ports (AMQP, distribution, epmd), its own node name, data, log,
 * configuration and plugin files under {@code target/rabbitmq/}, and a private {@code HOME} with its own
 * Erlang cookie, so it never meets the system's broker or another test JVM's.
 *
 * <p>{@link #shared()} is the node of this JVM, stopped when the JVM exits; tests that stop the broker on
 * purpose start their own with {@link #startNew(String)}. Use {@link EmbeddedRabbitExtension} to skip (or,
 * with {@code CI=true}, fail) when no broker can start.
 */
public final class EmbeddedRabbitSupport {

	private static final List<Path> SERVERS = List.of(Path.of("/usr/lib/rabbitmq/bin/rabbitmq-server"),
			Path.of("/usr/sbin/rabbitmq-server"));

	private static volatile Node shared;

	private static volatile RuntimeException sharedFailure;

	private EmbeddedRabbitSupport() {
	}

	/**
	 * Return the server script, or {@code null} when RabbitMQ is not installed.
	 * @return the path of {@code rabbitmq-server}
	 */
	public static Path server() {
		return SERVERS.stream().filter(Files::isExecutable).findFirst().orElse(null);
	}

	/**
	 * Return the node shared by the tests of this JVM, starting it on first use.
	 * @return the running node
	 * @throws IllegalStateException if it cannot start (the first failure, remembered)
	 */
	public static Node shared() {
		Node node = shared;
		if (node == null) {
			synchronized (EmbeddedRabbitSupport.class) {
				if (sharedFailure != null) {
					throw sharedFailure;
				}
				node = shared;
				if (node == null) {
					try {
						node = startNew("shared");
					}
					catch (RuntimeException ex) {
						sharedFailure = ex;
						throw ex;
					}
					Node started = node;
					Runtime.getRuntime().addShutdownHook(new Thread(started::close, "embedded-rabbitmq-stop"));
					shared = node;
				}
			}
		}
		return node;
	}

	/**
	 * Start a new node; the caller closes it.
	 * @param name a name for its directory and node name
	 * @return the running node
	 */
	public static Node startNew(String name) {
		Path server = server();
		if (server == null) {
			throw new IllegalStateException("RabbitMQ is not installed (no " + SERVERS.get(0) + "): "
					+ "apt-get install rabbitmq-server, as .ci/run does");
		}
		try {
			String id = name + "-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
			Path base = Path.of("target", "rabbitmq", id).toAbsolutePath();
			Node node = new Node(server, base, "pgcdc-" + id + "@localhost", freePort(), freePort(), freePort());
			node.start();
			return node;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start RabbitMQ", ex);
		}
	}

	private static int freePort() throws IOException {
		// below 50000: the CLI tools use the distribution port + 10000 for themselves
		for (int attempt = 0; attempt < 50; attempt++) {
			try (ServerSocket socket = new ServerSocket(0)) {
				int port = socket.getLocalPort();
				if (port < 50_000) {
					return port;
				}
			}
		}
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	/**
	 * A private RabbitMQ node on localhost that can be stopped and started again with its data.
	 */
	public static final class Node implements AutoCloseable {

		private final Path server;

		private final Path base;

		private final String nodeName;

		private final int port;

		private final Map<String, String> environment = new HashMap<>();

		private Process process;

		Node(Path server, Path base, String nodeName, int port, int distributionPort, int epmdPort)
				throws IOException {
			this.server = server;
			this.base = base;
			this.nodeName = nodeName;
			this.port = port;
			Path home = Files.createDirectories(base.resolve("home"));
			Files.createDirectories(base.resolve("mnesia"));
			Files.createDirectories(base.resolve("log"));
			Path cookie = home.resolve(".erlang.cookie");
			Files.writeString(cookie, UUID.randomUUID().toString().replace("-", ""));
			Files.setPosixFilePermissions(cookie, PosixFilePermissions.fromString("r--------"));
			Files.writeString(base.resolve("enabled_plugins"), "[].\n");
			Files.writeString(base.resolve("rabbitmq.conf"), "loopback_users.guest = true\n");
			this.environment.put("HOME", home.toString());
			this.environment.put("RABBITMQ_NODENAME", nodeName);
			this.environment.put("RABBITMQ_USE_LONGNAME", "false");
			this.environment.put("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1");
			this.environment.put("RABBITMQ_NODE_PORT", Integer.toString(port));
			this.environment.put("RABBITMQ_DIST_PORT", Integer.toString(distributionPort));
			this.environment.put("ERL_EPMD_PORT", Integer.toString(epmdPort));
			this.environment.put("RABBITMQ_MNESIA_BASE", base.resolve("mnesia").toString());
			this.environment.put("RABBITMQ_LOG_BASE", base.resolve("log").toString());
			this.environment.put("RABBITMQ_CONFIG_FILE", base.resolve("rabbitmq.conf").toString());
			this.environment.put("RABBITMQ_ENABLED_PLUGINS_FILE", base.resolve("enabled_plugins").toString());
			this.environment.put("RABBITMQ_PID_FILE", base.resolve("rabbitmq.pid").toString());
		}

		/** The AMQP port. */
		public int port() {
			return this.port;
		}

		/** A connection factory like Spring Boot's for {@code spring.rabbitmq.port=<port>}; the caller destroys it. */
		public CachingConnectionFactory connectionFactory() {
			CachingConnectionFactory factory = new CachingConnectionFactory("127.0.0.1", this.port);
			factory.setUsername("guest");
			factory.setPassword("guest");
			return factory;
		}

		/** A plain client connection factory for the test's own reads. */
		public ConnectionFactory clientFactory() {
			ConnectionFactory factory = new ConnectionFactory();
			factory.setHost("127.0.0.1");
			factory.setPort(this.port);
			return factory;
		}

		/**
		 * Start the node (again, with its data) and wait until it accepts AMQP connections.
		 */
		public synchronized void start() {
			if (this.process != null && this.process.isAlive()) {
				return;
			}
			try {
				ProcessBuilder builder = new ProcessBuilder(this.server.toString()).redirectErrorStream(true)
					.redirectOutput(ProcessBuilder.Redirect.appendTo(this.base.resolve("log/console.log").toFile()));
				builder.environment().putAll(this.environment);
				this.process = builder.start();
				awaitReady(Duration.ofSeconds(90));
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Could not start RabbitMQ node " + this.nodeName, ex);
			}
		}

		private void awaitReady(Duration timeout) {
			long deadline = System.nanoTime() + timeout.toNanos();
			ConnectionFactory factory = clientFactory();
			factory.setConnectionTimeout(1000);
			Exception last = null;
			while (System.nanoTime() < deadline) {
				if (!this.process.isAlive()) {
					throw new IllegalStateException("RabbitMQ node " + this.nodeName + " exited with "
							+ this.process.exitValue() + ": " + consoleTail());
				}
				try (com.rabbitmq.client.Connection connection = factory.newConnection()) {
					return;
				}
				catch (Exception ex) {
					last = ex;
				}
				try {
					Thread.sleep(250);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new IllegalStateException(ex);
				}
			}
			stop();
			throw new IllegalStateException("RabbitMQ node " + this.nodeName + " did not accept connections within "
					+ timeout.toSeconds() + " s (" + last + "): " + consoleTail());
		}

		private String consoleTail() {
			try {
				String text = Files.readString(this.base.resolve("log/console.log"), StandardCharsets.UTF_8);
				return text.substring(Math.max(0, text.length() - 2000));
			}
			catch (IOException ex) {
				return "(no console log)";
			}
		}

		/**
		 * Stop the node gracefully (SIGTERM), keeping its data for a later {@link #start()}.
		 */
		public synchronized void stop() {
			Process running = this.process;
			this.process = null;
			if (running == null) {
				return;
			}
			running.destroy();
			try {
				if (!running.waitFor(60, TimeUnit.SECONDS)) {
					running.destroyForcibly();
					running.waitFor(10, TimeUnit.SECONDS);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

		/**
		 * Run {@code rabbitmqctl} against this node, such as {@code set_vm_memory_high_watermark 0.000001}.
		 * @param arguments the command and its arguments
		 * @return its output
		 * @throws IllegalStateException if it fails
		 */
		public String ctl(String... arguments) {
			List<String> command = new java.util.ArrayList<>();
			command.add(this.server.resolveSibling("rabbitmqctl").toString());
			command.add("-n");
			command.add(this.nodeName);
			command.addAll(List.of(arguments));
			try {
				ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
				builder.environment().putAll(this.environment);
				Process process = builder.start();
				String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
				if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
					throw new IllegalStateException("rabbitmqctl " + String.join(" ", arguments) + " failed: " + output);
				}
				return output;
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}

		/** Stop the node and the epmd it started. */
		@Override
		public void close() {
			stop();
			try {
				ProcessBuilder epmd = new ProcessBuilder("epmd", "-kill").redirectErrorStream(true)
					.redirectOutput(ProcessBuilder.Redirect.DISCARD);
				epmd.environment().put("ERL_EPMD_PORT", this.environment.get("ERL_EPMD_PORT"));
				epmd.start().waitFor(10, TimeUnit.SECONDS);
			}
			catch (IOException ex) {
				// no epmd to stop
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

		@Override
		public String toString() {
			return "RabbitMQ " + this.nodeName + " on port " + this.port;
		}

	}

}
