package dev.pgcdc.autoconfigure;

import dev.pgcdc.event.ValueConverter;
import dev.pgcdc.listener.support.ApplicationEventPublishingConsumer;
import dev.pgcdc.listener.support.ConversionServiceValueConverter;
import dev.pgcdc.listener.support.LoggingDispatchErrorHandler;
import dev.pgcdc.listener.support.ReplicationEngineLifecycle;
import dev.pgcdc.replication.ChangeConsumer;
import dev.pgcdc.replication.DispatchErrorHandler;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.ReplicationSettings;
import org.postgresql.PGConnection;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configuration of the change data capture engine: it streams the configured slot and, unless
 * {@code cdc.application-events.enabled=false}, publishes every change as an application event.
 *
 * <p>Every bean backs off when the application defines its own of the same type.
 *
 * @author pgcdc
 */
@AutoConfiguration(after = DataSourceAutoConfiguration.class)
@ConditionalOnClass(PGConnection.class)
@ConditionalOnBooleanProperty(name = "cdc.enabled", matchIfMissing = true)
@EnableConfigurationProperties(CdcProperties.class)
public final class CdcAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ReplicationSettings cdcReplicationSettings(CdcProperties properties,
			ObjectProvider<JdbcConnectionDetails> connectionDetails) {
		return ReplicationSettingsFactory.create(properties, connectionDetails.getIfAvailable());
	}

	@Bean
	@ConditionalOnMissingBean
	ValueConverter cdcValueConverter() {
		return new ConversionServiceValueConverter(ApplicationConversionService.getSharedInstance());
	}

	@Bean
	@ConditionalOnMissingBean
	DispatchErrorHandler cdcDispatchErrorHandler() {
		return new LoggingDispatchErrorHandler();
	}

	@Bean
	@ConditionalOnMissingBean
	ReplicationEngine cdcReplicationEngine(ReplicationSettings settings, ObjectProvider<ChangeConsumer> consumers,
			DispatchErrorHandler errorHandler, ValueConverter valueConverter) {
		return new ReplicationEngine(settings, consumers.orderedStream().toList(), errorHandler, valueConverter);
	}

	@Bean
	@ConditionalOnMissingBean
	ReplicationEngineLifecycle cdcReplicationEngineLifecycle(ReplicationEngine engine) {
		return new ReplicationEngineLifecycle(engine);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBooleanProperty(name = "cdc.application-events.enabled", matchIfMissing = true)
	static class ApplicationEventsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ApplicationEventPublishingConsumer cdcApplicationEventPublishingConsumer(ApplicationContext context) {
			return new ApplicationEventPublishingConsumer(context);
		}

	}

}
