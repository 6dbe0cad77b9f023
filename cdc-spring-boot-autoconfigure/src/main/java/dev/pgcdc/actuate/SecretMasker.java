package dev.pgcdc.actuate;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.pgcdc.replication.ConnectionSettings;

/**
 * Removes the connection's secrets (the password, a password given in the URL, any password-like
 * connection property) from texts that leave the application, such as error messages from the driver.
 *
 * @author pgcdc
 */
final class SecretMasker {

	static final String MASK = "******";

	private static final Pattern URL_PASSWORD = Pattern.compile("(?i)password=([^&]*)");

	private final Set<String> secrets = new LinkedHashSet<>();

	SecretMasker(ConnectionSettings connection) {
		add(connection.password());
		Matcher matcher = URL_PASSWORD.matcher(connection.url());
		while (matcher.find()) {
			add(matcher.group(1));
			add(URLDecoder.decode(matcher.group(1), StandardCharsets.UTF_8));
		}
		for (Map.Entry<String, String> property : connection.properties().entrySet()) {
			if (property.getKey().toLowerCase().contains("password")) {
				add(property.getValue());
			}
		}
	}

	private void add(String secret) {
		if (secret != null && !secret.isEmpty()) {
			this.secrets.add(secret);
		}
	}

	/**
	 * Return the text with every secret replaced by {@value #MASK}.
	 * @param text the text, may be {@code null}
	 * @return the masked text, {@code null} for {@code null}
	 */
	String mask(String text) {
		if (text == null) {
			return null;
		}
		String masked = URL_PASSWORD.matcher(text).replaceAll("password=" + MASK);
		for (String secret : this.secrets) {
			masked = masked.replace(secret, MASK);
		}
		return masked;
	}

}
