package dev.pgcdc.autoconfigure;

import java.util.stream.Collectors;

import javax.sql.DataSource;

import dev.pgcdc.event.TableId;
import dev.pgcdc.event.ValueConverter;
import dev.pgcdc.listener.CdcErrorHandler;
import dev.pgcdc.listener.DeadLetters;
import dev.pgcdc.listener.support.CdcListenerAnnotationBeanPostProcessor;
import dev.pgcdc.listener.support.CdcListenerRegistry;
import dev.pgcdc.listener.support.JdbcDeadLetters;
import dev.pgcdc.listener.support.RetrySpec;
import dev.pgcdc.replication.PgConnector;
import dev.pgcdc.listener.support.ApplicationEventPublishingConsumer;
import dev.pgcdc.listener.support.ConversionServiceValueConverter;
import dev.pgcdc.listener.support.StoppingDispatchErrorHandler;
import dev.pgcdc.CdcControl;
import dev.pgcdc.EngineCdcControl;
import dev.pgcdc.listener.support.ReplicationEngineLifecycle;
import dev.pgcdc.listener.support.OutboxListenerEndpointFactory;
import dev.pgcdc.outbox.Inbox;
import dev.pgcdc.outbox.JdbcInbox;
import dev.pgcdc.outbox.JdbcOutbox;
import dev.pgcdc.outbox.Outbox;
import dev.pgcdc.outbox.OutboxCodec;
import dev.pgcdc.outbox.OutboxMode;
import dev.pgcdc.outbox.OutboxPruner;
import dev.pgcdc.outbox.OutboxSchema;
import dev.pgcdc.replication.CdcSnapshots;
import dev.pgcdc.replication.ConnectionSettings;
import dev.pgcdc.replication.ChangeConsumer;
import dev.pgcdc.replication.DispatchErrorHandler;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.ReplicationSettings;
import org.apache.commons.logging.LogFactory;
import org.postgresql.PGConnection;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
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
@AutoConfiguration(after = DataSourceAutoConfiguration.class,
		afterName = "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration")
@ConditionalOnClass(PGConnection.class)
@ConditionalOnBooleanProperty(name = "cdc.enabled", matchIfMissing = true)
@EnableConfigurationProperties(CdcProperties.class)
public final class CdcAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ReplicationSettings cdcReplicationSettings(CdcProperties properties,
			ObjectProvider<JdbcConnectionDetails> connectionDetails, ObjectProvider<DataSourceProperties> dataSource,
			ObjectProvider<OutboxCodec> outboxCodec) {
		boolean outboxTable = properties.getOutbox().getMode() == OutboxMode.TABLE
				&& outboxCodec.getIfAvailable() != null;
		return ReplicationSettingsFactory.create(properties, connectionDetails.getIfAvailable(),
				dataSource.getIfAvailable(), outboxTable);
	}

	@Bean
	@ConditionalOnMissingBean
	ValueConverter cdcValueConverter() {
		return new ConversionServiceValueConverter(ApplicationConversionService.getSharedInstance());
	}

	@Bean
	@ConditionalOnMissingBean
	DispatchErrorHandler cdcDispatchErrorHandler() {
		return new StoppingDispatchErrorHandler();
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

	@Bean
	@ConditionalOnMissingBean
	CdcControl cdcControl(ReplicationEngine engine, ObjectProvider<DataSource> dataSource) {
		return new EngineCdcControl(engine, dataSource.getIfUnique());
	}

	@Bean
	@ConditionalOnMissingBean
	CdcSnapshots cdcSnapshots(ReplicationEngine engine) {
		return new CdcSnapshots(engine);
	}

	/** The retry settings of listeners that set none, shared by {@code @CdcListener} and {@code @OutboxListener}. */
	private static RetrySpec retrySpec(CdcProperties properties) {
		CdcListenerProperties.Retry retry = properties.getListener().getRetry();
		return new RetrySpec(retry.getMaxAttempts(), retry.getInitialInterval(), retry.getMultiplier(),
				retry.getMaxInterval());
	}

	@Configuration(proxyBeanMethods = false)
	static class ListenerConfiguration {

		@Bean
		static CdcListenerAnnotationBeanPostProcessor cdcListenerAnnotationBeanPostProcessor() {
			return new CdcListenerAnnotationBeanPostProcessor();
		}

		@Bean
		@ConditionalOnMissingBean(DeadLetters.class)
		JdbcDeadLetters cdcDeadLetters(CdcProperties properties, ReplicationSettings settings,
				ObjectProvider<DataSource> dataSource, ObjectProvider<JdbcConnectionDetails> connectionDetails,
				ValueConverter valueConverter, ObjectProvider<CdcListenerRegistry> registry) {
			return new JdbcDeadLetters(captured(settings, dataSource, connectionDetails), properties.getListener().getDeadLetterTable(),
					valueConverter, (id) -> registry.getObject().deadLetterTarget(id));
		}

		@Bean
		@ConditionalOnMissingBean
		CdcListenerRegistry cdcListenerRegistry(CdcProperties properties, ReplicationSettings settings,
				ObjectProvider<CdcErrorHandler> errorHandler, ObjectProvider<DeadLetters> deadLetters,
				ObjectProvider<DataSource> dataSource, ObjectProvider<JdbcConnectionDetails> connectionDetails) {
			ListenerPropertiesValidator.validate(properties.getListener());
			return new CdcListenerRegistry(retrySpec(properties), properties.getListener().getFailurePolicy(),
					errorHandler::getIfAvailable, deadLetters::getIfAvailable, captured(settings, dataSource, connectionDetails),
					settings.tables().stream().map(TableId::parse).collect(Collectors.toSet()), settings.optInMatcher());
		}

		/** The application's DataSource when it points at the captured database, else a plain one. */
		static DataSource captured(ReplicationSettings settings, ObjectProvider<DataSource> dataSource,
				ObjectProvider<JdbcConnectionDetails> connectionDetails) {
			DataSource candidate = dataSource.getIfUnique();
			JdbcConnectionDetails details = connectionDetails.getIfAvailable();
			if (candidate != null && details != null && settings.connection().url().equals(details.getJdbcUrl())) {
				return candidate;
			}
			return new PgConnector(settings.connection()).asDataSource();
		}

	}

	/**
	 * The transactional outbox, on the application's DataSource (whose transactions {@code Outbox.publish}
	 * joins) and the application's JSON mapper.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "tools.jackson.databind.ObjectMapper")
	@ConditionalOnSingleCandidate(DataSource.class)
	@ConditionalOnBooleanProperty(name = "cdc.outbox.enabled", matchIfMissing = true)
	static class OutboxConfiguration {

		@Bean
		@ConditionalOnMissingBean
		OutboxCodec cdcOutboxCodec(CdcProperties properties, ObjectProvider<JsonMapper> mapper) {
			ListenerPropertiesValidator.validate(properties.getOutbox());
			return new OutboxCodec(mapper.getIfAvailable(() -> JsonMapper.builder().build()),
					TableId.parse(properties.getOutbox().getTable()));
		}

		@Bean
		@ConditionalOnMissingBean
		OutboxSchema cdcOutboxSchema(CdcProperties properties, DataSource dataSource, OutboxCodec codec) {
			CdcOutboxProperties outbox = properties.getOutbox();
			return new OutboxSchema(dataSource, codec.table(), TableId.parse(outbox.getInboxTable()),
					outbox.getMode() == OutboxMode.TABLE, outbox.isInitializeSchema());
		}

		@Bean
		@ConditionalOnMissingBean(Outbox.class)
		JdbcOutbox cdcOutbox(CdcProperties properties, DataSource dataSource, OutboxCodec codec,
				OutboxSchema schema, ReplicationSettings settings, ObjectProvider<JdbcConnectionDetails> details) {
			JdbcConnectionDetails application = details.getIfAvailable();
			if (application != null && !settings.connection().url().equals(application.getJdbcUrl())) {
				LogFactory.getLog(JdbcOutbox.class).warn("Outbox.publish writes through the application's DataSource "
						+ "(" + new ConnectionSettings(application.getJdbcUrl(), null, null).safeUrl() + ") while changes "
						+ "are captured from " + settings.connection().safeUrl() + "; events reach @OutboxListener "
						+ "methods only if both are the same database");
			}
			return new JdbcOutbox(dataSource, codec, properties.getOutbox().getMode());
		}

		@Bean
		@ConditionalOnMissingBean(Inbox.class)
		JdbcInbox cdcInbox(CdcProperties properties, DataSource dataSource, OutboxSchema schema) {
			return new JdbcInbox(dataSource, TableId.parse(properties.getOutbox().getInboxTable()));
		}

		@Bean
		@ConditionalOnMissingBean
		OutboxListenerEndpointFactory cdcOutboxListenerEndpointFactory(CdcProperties properties, OutboxCodec codec) {
			return new OutboxListenerEndpointFactory(codec, retrySpec(properties),
					properties.getListener().getFailurePolicy());
		}

		@Bean
		@ConditionalOnMissingBean
		OutboxPruner cdcOutboxPruner(CdcProperties properties, DataSource dataSource, OutboxSchema schema,
				OutboxCodec codec) {
			CdcOutboxProperties outbox = properties.getOutbox();
			return new OutboxPruner(dataSource, schema, (outbox.getMode() == OutboxMode.TABLE) ? codec.table() : null,
					TableId.parse(outbox.getInboxTable()), outbox.getRetention(), outbox.getPruneInterval(),
					outbox.getPruneBatchSize());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBooleanProperty(name = "cdc.application-events.enabled", matchIfMissing = true)
	static class ApplicationEventsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ApplicationEventPublishingConsumer cdcApplicationEventPublishingConsumer(ApplicationContext context,
				ReplicationSettings settings, ObjectProvider<OutboxCodec> outbox) {
			return new ApplicationEventPublishingConsumer(context, settings.optInMatcher(), outbox.getIfAvailable());
		}

	}

}
