package dev.pgcdc.sample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The live page in a real browser (headless Chromium): it connects to the change stream, a customer
 * signed up through the API appears in its feed, the header shows the stream's state. The screenshot is
 * left in {@code target/live-page.png}.
 *
 * <p>Skipped, saying so, only on a machine without Chromium; {@code .ci/run} installs it.
 */
@SampleTest
class SampleLivePageTests {

	@LocalServerPort
	int port;

	@Test
	void newCustomerAppearsOnTheLivePage() throws IOException {
		Path chromium = HeadlessChromium.binary().orElse(null);
		assumeTrue(chromium != null, "No Chromium binary (/usr/bin/chromium): live page browser test skipped; "
				+ "install it with 'apt-get install -y chromium'");
		Path target = Files.createDirectories(Path.of("target"));
		try (HeadlessChromium browser = HeadlessChromium.open(chromium, "http://localhost:" + this.port + "/",
				target.resolve("chromium.log"))) {
			await().atMost(Duration.ofSeconds(30))
				.until(() -> browser.evaluate("document.body.dataset.connected === 'true'").asBoolean());
			Map<String, Object> customer = new ShopClient(this.port).newCustomer("Grace Hopper");
			String email = (String) customer.get("email");
			await().atMost(Duration.ofSeconds(30))
				.until(() -> browser
					.evaluate("Array.from(document.querySelectorAll('#feed tr[data-table=customers]'))"
							+ ".some((row) => row.textContent.includes('" + email + "'))")
					.asBoolean());
			await().atMost(Duration.ofSeconds(10))
				.until(() -> browser.evaluate("document.getElementById('state').textContent").asString(),
						"streaming"::equals);
			// a few seconds of status for the chart, so that the screenshot shows it drawn
			await().atMost(Duration.ofSeconds(15))
				.until(() -> browser.evaluate("Number(document.body.dataset.samples || 0)").asInt() >= 4);
			Path screenshot = target.resolve("live-page.png");
			browser.screenshot(screenshot);
			byte[] png = Files.readAllBytes(screenshot);
			assertThat(png).hasSizeGreaterThan(10_000).startsWith(0x89, 'P', 'N', 'G');
		}
	}

}
