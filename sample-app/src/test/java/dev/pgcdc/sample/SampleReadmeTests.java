package dev.pgcdc.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs every {@code curl} line of the README's shell blocks, as written, with real {@code curl} against the
 * sample (only {@code localhost:8080} becomes the test's port, and {@code -sS --fail-with-body} is added so
 * that an HTTP error fails the line).
 */
@SampleTest
class SampleReadmeTests {

	private static final Path README = Path.of("..", "README.md");

	@LocalServerPort
	int port;

	@Test
	void everyCurlExampleWorks() throws Exception {
		assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "No /usr/bin/curl: README curl examples skipped");
		List<String> examples = curlExamples();
		assertThat(examples).hasSizeGreaterThanOrEqualTo(8);
		try {
			for (String example : examples) {
				String command = example.replace("localhost:8080", "localhost:" + this.port)
					.replaceFirst("^curl ", "curl -sS --fail-with-body ");
				Process curl = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
				assertThat(curl.waitFor(30, TimeUnit.SECONDS)).as(example).isTrue();
				String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
				assertThat(curl.exitValue()).as("%s%n%s", example, output).isZero();
				assertThat(output).as(example).isNotBlank();
			}
		}
		finally {
			new ShopClient(this.port).post("/actuator/cdc/resume", "");
		}
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(new ShopClient(this.port).list("/mails?limit=500"))
				.anyMatch((mail) -> mail.get("address").equals("ada@example.com")));
	}

	private static List<String> curlExamples() throws IOException {
		List<String> examples = new ArrayList<>();
		boolean shell = false;
		for (String line : Files.readAllLines(README)) {
			if (line.startsWith("```")) {
				shell = !shell && line.equals("```bash");
			}
			else if (shell && line.startsWith("curl ")) {
				examples.add(line);
			}
		}
		return examples;
	}

}
