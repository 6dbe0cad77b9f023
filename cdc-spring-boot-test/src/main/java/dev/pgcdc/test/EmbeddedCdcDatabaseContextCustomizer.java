package dev.pgcdc.test;

import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Adds the embedded database's {@link JdbcConnectionDetails} to a test's application context: Spring
 * Boot's {@code DataSource} and pgcdc's replication connection both take their URL and credentials from
 * it, as they would from a {@code @ServiceConnection} container. Equal for equal database names, so that
 * Spring's context cache works as usual.
 *
 * @author pgcdc
 */
final class EmbeddedCdcDatabaseContextCustomizer implements ContextCustomizer {

	static final String BEAN_NAME = "embeddedCdcDatabaseConnectionDetails";

	private final String database;

	EmbeddedCdcDatabaseContextCustomizer(String database) {
		this.database = database;
	}

	@Override
	public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration mergedConfig) {
		if (!(context instanceof BeanDefinitionRegistry registry)) {
			throw new IllegalStateException("@EmbeddedCdcDatabase needs an application context that accepts bean "
					+ "definitions; " + context.getClass().getName() + " does not");
		}
		JdbcConnectionDetails details = EmbeddedCdcServer.connectionDetails(this.database);
		RootBeanDefinition definition = new RootBeanDefinition(JdbcConnectionDetails.class, () -> details);
		registry.registerBeanDefinition(BEAN_NAME, definition);
	}

	@Override
	public boolean equals(Object other) {
		return (other instanceof EmbeddedCdcDatabaseContextCustomizer customizer)
				&& this.database.equals(customizer.database);
	}

	@Override
	public int hashCode() {
		return this.database.hashCode();
	}

}
