package dev.pgcdc.test;

import java.util.List;

import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.TestContextAnnotationUtils;

/**
 * Finds {@link EmbeddedCdcDatabase} on a test class (or an enclosing or super class); registered in
 * {@code META-INF/spring.factories}.
 *
 * @author pgcdc
 */
final class EmbeddedCdcDatabaseContextCustomizerFactory implements ContextCustomizerFactory {

	@Override
	public ContextCustomizer createContextCustomizer(Class<?> testClass,
			List<ContextConfigurationAttributes> configAttributes) {
		EmbeddedCdcDatabase annotation = TestContextAnnotationUtils.findMergedAnnotation(testClass,
				EmbeddedCdcDatabase.class);
		return (annotation != null) ? new EmbeddedCdcDatabaseContextCustomizer(annotation.database()) : null;
	}

}
