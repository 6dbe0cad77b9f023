package dev.pgcdc.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every test that {@code docs/failure-modes.md} names as the proof of a row exists, so the table cannot
 * point at a test that was renamed or removed.
 */
class FailureModesDocumentTests {

	private static final Pattern REFERENCE = Pattern.compile("`([A-Z][A-Za-z]+Tests)#([a-z][A-Za-z0-9]+)`");

	private static final Path TESTS = Path.of("src", "test", "java");

	@Test
	void everyNamedTestExists() throws IOException {
		String document = Files.readString(Path.of("..", "docs", "failure-modes.md"));
		Map<String, Path> sources = testSources();
		List<String> missing = new ArrayList<>();
		Matcher matcher = REFERENCE.matcher(document);
		int references = 0;
		while (matcher.find()) {
			references++;
			Path source = sources.get(matcher.group(1));
			String method = "void " + matcher.group(2) + "(";
			if (source == null || !Files.readString(source).contains(method)) {
				missing.add(matcher.group(1) + "#" + matcher.group(2));
			}
		}
		assertThat(references).as("references in docs/failure-modes.md").isGreaterThan(50);
		assertThat(missing).as("tests named in docs/failure-modes.md that do not exist").isEmpty();
		assertThat(rows(document)).as("numbered rows").isGreaterThanOrEqualTo(20);
	}

	private static Map<String, Path> testSources() throws IOException {
		try (Stream<Path> files = Files.walk(TESTS)) {
			return files.filter((file) -> file.toString().endsWith("Tests.java"))
				.collect(Collectors.toMap((file) -> file.getFileName().toString().replace(".java", ""), (file) -> file,
						(a, b) -> a));
		}
	}

	private static int rows(String document) {
		TreeSet<Integer> numbers = new TreeSet<>();
		Matcher matcher = Pattern.compile("(?m)^\\| (\\d+) \\|").matcher(document);
		while (matcher.find()) {
			numbers.add(Integer.parseInt(matcher.group(1)));
		}
		return numbers.size();
	}

}
