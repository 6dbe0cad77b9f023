package dev.pgcdc.sample;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.awaitility.Awaitility.await;

/**
 * Debian's {@code chromium}, headless, driven over the DevTools protocol with the JDK's own WebSocket
 * client: no driver, no npm. Enough to load a page, evaluate JavaScript in it and take a screenshot.
 *
 * <p>{@code --screenshot} on the command line does not work for the live page: its event stream never
 * finishes loading, so Chromium never decides the page is done.
 */
final class HeadlessChromium implements AutoCloseable {

	private static final List<String> BINARIES = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser",
			"/usr/bin/google-chrome");

	private static final JsonMapper json = JsonMapper.builder().build();

	private final Process process;

	private final Path profile;

	private final WebSocket socket;

	private final AtomicInteger ids = new AtomicInteger();

	private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

	private HeadlessChromium(Process process, Path profile, String pageSocketUrl) {
		this.process = process;
		this.profile = profile;
		this.socket = HttpClient.newHttpClient()
			.newWebSocketBuilder()
			.buildAsync(URI.create(pageSocketUrl), new Replies())
			.join();
	}

	/**
	 * The Chromium binary of this machine, if any.
	 * @return its path
	 */
	static Optional<Path> binary() {
		return BINARIES.stream().map(Path::of).filter(Files::isExecutable).findFirst();
	}

	/**
	 * Start Chromium showing a page.
	 * @param binary the Chromium binary
	 * @param url the page
	 * @param log where Chromium's own output goes
	 * @return the browser, connected to the page
	 * @throws IOException if it cannot be started
	 */
	static HeadlessChromium open(Path binary, String url, Path log) throws IOException {
		Path profile = Files.createTempDirectory("chromium-profile");
		Process process = new ProcessBuilder(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
				"--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
				"--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,900", "--hide-scrollbars",
				"--user-data-dir=" + profile, "--remote-debugging-port=0", url)
			.redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.start();
		// Chromium writes the port it chose into the profile once DevTools listens.
		Path portFile = profile.resolve("DevToolsActivePort");
		await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(portFile) && Files.size(portFile) > 0);
		String port = Files.readAllLines(portFile).get(0).trim();
		return new HeadlessChromium(process, profile, pageSocketUrl(port));
	}

	private static String pageSocketUrl(String port) {
		HttpClient http = HttpClient.newHttpClient();
		HttpRequest list = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build();
		return await().atMost(Duration.ofSeconds(30)).until(() -> {
			JsonNode targets = json.readTree(http.send(list, HttpResponse.BodyHandlers.ofString()).body());
			for (JsonNode target : targets) {
				if ("page".equals(target.path("type").asString())) {
					return target.path("webSocketDebuggerUrl").asString();
				}
			}
			return null;
		}, (socketUrl) -> socketUrl != null);
	}

	/**
	 * Evaluate a JavaScript expression in the page.
	 * @param expression the expression
	 * @return its value as JSON
	 */
	JsonNode evaluate(String expression) {
		return call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true)).path("result")
			.path("value");
	}

	/**
	 * Take a screenshot of the page.
	 * @param file where to write the PNG
	 * @throws IOException if it cannot be written
	 */
	void screenshot(Path file) throws IOException {
		String png = call("Page.captureScreenshot", Map.of("format", "png")).path("data").asString();
		Files.createDirectories(file.getParent());
		Files.write(file, Base64.getDecoder().decode(png));
	}

	private JsonNode call(String method, Map<String, Object> params) {
		int id = this.ids.incrementAndGet();
		CompletableFuture<JsonNode> reply = new CompletableFuture<>();
		this.pending.put(id, reply);
		this.socket.sendText(json.writeValueAsString(Map.of("id", id, "method", method, "params", params)), true)
			.join();
		JsonNode message = reply.orTimeout(30, TimeUnit.SECONDS).join();
		if (message.has("error")) {
			throw new IllegalStateException(method + " failed: " + message.get("error"));
		}
		return message.path("result");
	}

	@Override
	public void close() throws IOException {
		this.socket.abort();
		// Chromium's helper processes (network service, GPU, renderers) outlive the browser process for a
		// moment and keep writing into the profile: end them all before deleting it
		List<ProcessHandle> processes = Stream.concat(this.process.descendants(), Stream.of(this.process.toHandle()))
			.toList();
		processes.forEach(ProcessHandle::destroy);
		for (ProcessHandle process : processes) {
			try {
				process.onExit().get(10, TimeUnit.SECONDS);
			}
			catch (Exception ex) {
				process.destroyForcibly();
			}
		}
		deleteProfile();
	}

	/** Delete the profile directory; a file some process renamed or removed meanwhile is not an error. */
	private void deleteProfile() throws IOException {
		Files.walkFileTree(this.profile, new SimpleFileVisitor<>() {

			@Override
			public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
				Files.deleteIfExists(file);
				return FileVisitResult.CONTINUE;
			}

			@Override
			public FileVisitResult visitFileFailed(Path file, IOException ex) throws IOException {
				if (ex instanceof NoSuchFileException) {
					return FileVisitResult.CONTINUE;
				}
				throw ex;
			}

			@Override
			public FileVisitResult postVisitDirectory(Path dir, IOException ex) throws IOException {
				try {
					Files.deleteIfExists(dir);
				}
				catch (DirectoryNotEmptyException notEmpty) {
					// a file appeared after the walk listed the directory: leave it to the temp cleaner
				}
				return FileVisitResult.CONTINUE;
			}

		});
	}

	/**
	 * Collects the frames of each message and hands replies to the calls waiting for them; events are
	 * ignored.
	 */
	private final class Replies implements WebSocket.Listener {

		private final StringBuilder message = new StringBuilder();

		@Override
		public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
			this.message.append(data);
			if (last) {
				JsonNode reply = json.readTree(this.message.toString());
				this.message.setLength(0);
				if (reply.has("id")) {
					CompletableFuture<JsonNode> waiting = HeadlessChromium.this.pending.remove(reply.get("id").asInt());
					if (waiting != null) {
						waiting.complete(reply);
					}
				}
			}
			webSocket.request(1);
			return null;
		}

	}

}
