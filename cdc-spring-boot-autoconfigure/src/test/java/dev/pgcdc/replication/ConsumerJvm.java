package dev.pgcdc.replication;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;

/**
 * Starts {@link ConsumerProcess} (or another consuming application) in a new JVM with the test class path.
 */
public final class ConsumerJvm {

	private ConsumerJvm() {
	}

	/**
	 * Read the ids a consumer wrote to its ledger, in order, duplicates included. A killed writer may leave
	 * half a line at the end; only whole lines count.
	 */
	static List<Long> ledger(Path ledger) throws IOException {
		if (!Files.exists(ledger)) {
			return List.of();
		}
		String text = new String(Files.readAllBytes(ledger), StandardCharsets.US_ASCII);
		int end = text.lastIndexOf('\n');
		List<Long> ids = new ArrayList<>();
		if (end > 0) {
			for (String line : text.substring(0, end).split("\n")) {
				ids.add(Long.parseLong(line));
			}
		}
		return ids;
	}

	/**
	 * Wait (at most a minute) until a consumer's log holds a line it prints, such as {@code STREAMING}.
	 */
	static void awaitOutput(Path log, String text) {
		await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(log) && Files.readString(log).contains(text));
	}

	static Process start(Path log, String maxHeap, String... args) throws IOException {
		return start(ConsumerProcess.class, log, maxHeap, args);
	}

	/**
	 * Start a consuming application (256 MB heap) and wait until it prints {@code STREAMING} once more.
	 * @param main its main class
	 * @param log where its output goes, appended after a {@code --- run <run>} line
	 * @param run the run number, for the log
	 * @param args its arguments
	 * @return the running process
	 */
	public static Process startStreaming(Class<?> main, Path log, int run, String... args) throws IOException {
		Files.writeString(log, "--- run " + run + "\n", java.nio.file.StandardOpenOption.CREATE,
				java.nio.file.StandardOpenOption.APPEND);
		long before = Files.readString(log).split("STREAMING", -1).length;
		Process process = start(main, log, "256m", args);
		await().atMost(Duration.ofSeconds(60))
			.until(() -> !process.isAlive() || Files.readString(log).split("STREAMING", -1).length > before);
		org.assertj.core.api.Assertions.assertThat(process.isAlive())
			.as("consumer JVM started; log: %s", Files.readString(log))
			.isTrue();
		return process;
	}

	/**
	 * Start a class's {@code main} in a new JVM with the test class path, appending its output to a log.
	 */
	public static Process start(Class<?> main, Path log, String maxHeap, String... args) throws IOException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.add("-Xmx" + maxHeap);
		command.add("-XX:+ExitOnOutOfMemoryError");
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add(main.getName());
		command.addAll(List.of(args));
		return new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
			.start();
	}

}
