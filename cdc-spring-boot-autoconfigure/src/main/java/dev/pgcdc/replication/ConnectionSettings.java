package dev.pgcdc.replication;

import java.util.Map;
import java.util.Objects;

/**
 * Where and as whom to connect to PostgreSQL, for both the replication connection and the plain
 * connections used for administration and heartbeats.
 *
 * <p>{@link #toString()} never shows the password, nor a password given in the URL.
 *
 * @param url a {@code jdbc:postgresql:} URL
 * @param username the role name, or {@code null} to use the URL's
 * @param password the password, or {@code null}
 * @param properties further pgjdbc connection properties (for example {@code sslmode})
 * @author pgcdc
 */
public record ConnectionSettings(String url, String username, String password, Map<String, String> properties) {

	public ConnectionSettings {
		Objects.requireNonNull(url, "url must not be null");
		properties = (properties != null) ? Map.copyOf(properties) : Map.of();
	}

	public ConnectionSettings(String url, String username, String password) {
		this(url, username, password, Map.of());
	}

	/**
	 * Return the URL with any password parameter masked, safe for logs and endpoints.
	 * @return the masked URL
	 */
	public String safeUrl() {
		return this.url.replaceAll("(?i)(password=)[^&]*", "$1******");
	}

	@Override
	public String toString() {
		return "ConnectionSettings{url=" + safeUrl() + ", username=" + this.username + "}";
	}

}
