package dev.pgcdc.replication;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts {@link ConsumerProcess} in a new JVM with the test class path.
 */
final class ConsumerJvm {

	private ConsumerJvm() {
	}

	static Process start(Path log, String maxHeap, String... args) throws IOException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.add("-Xmx" + maxHeap);
		command.add("-XX:+ExitOnOutOfMemoryError");
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add(ConsumerProcess.class.getName());
		command.addAll(List.of(args));
		return new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
			.start();
	}

}
