package dev.pgcdc.test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The complete example of {@code docs/testing.md} is the example that runs in this build: its test class
 * and its listener appear in the document exactly as they are compiled here.
 */
class TestingDocumentTests {

	private static final Path EXAMPLE = Path.of("src/test/java/dev/pgcdc/test/example");

	@Test
	void theDocumentShowsTheTestThatRuns() throws IOException {
		assertThat(document()).contains(body("WelcomeMailerTests.java", "@SpringBootTest"));
	}

	@Test
	void theDocumentShowsTheListenerThatRuns() throws IOException {
		assertThat(document()).contains(body("WelcomeMailer.java", "@Component"));
	}

	@Test
	void theDocumentShowsTheSchemaThatRuns() throws IOException {
		assertThat(document()).contains(Files.readString(Path.of("src/test/resources/schema.sql")).strip());
	}

	private static String document() throws IOException {
		return Files.readString(Path.of("../docs/testing.md"));
	}

	/** The source from its first annotation on: what a reader copies, without package and imports. */
	private static String body(String file, String from) throws IOException {
		String source = Files.readString(EXAMPLE.resolve(file));
		return source.substring(source.indexOf(from)).strip();
	}

}
