package dev.pgcdc.test;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts this JVM's private RabbitMQ node ({@link EmbeddedRabbitSupport#shared()}) before a test class and
 * hands it to test methods that take an {@link EmbeddedRabbitSupport.Node}. Without a broker the tests are
 * skipped with the reason, except under {@code CI=true}, where they fail: CI installs RabbitMQ.
 */
public final class EmbeddedRabbitExtension implements BeforeAllCallback, ParameterResolver {

	@Override
	public void beforeAll(ExtensionContext context) {
		node();
	}

	@Override
	public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
		return parameter.getParameter().getType() == EmbeddedRabbitSupport.Node.class;
	}

	@Override
	public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
		return node();
	}

	private static EmbeddedRabbitSupport.Node node() {
		try {
			return EmbeddedRabbitSupport.shared();
		}
		catch (RuntimeException ex) {
			if ("true".equalsIgnoreCase(System.getenv("CI"))) {
				throw new IllegalStateException("CI=true and RabbitMQ cannot start: " + ex.getMessage(), ex);
			}
			Assumptions.abort("RabbitMQ tests skipped: " + ex.getMessage()
					+ " (install Debian's rabbitmq-server, as .ci/run does; with CI=true they fail instead)");
			return null;
		}
	}

}
