package dev.pgcdc.autoconfigure;

import dev.pgcdc.listener.DeadLetters;
import dev.pgcdc.outbox.OutboxCodec;
import dev.pgcdc.rabbit.RabbitQueueSpec;
import dev.pgcdc.rabbit.RabbitSink;
import dev.pgcdc.rabbit.RabbitSinkFactory;
import dev.pgcdc.rabbit.RabbitSinkMetrics;
import dev.pgcdc.rabbit.RabbitSinkSettings;
import dev.pgcdc.rabbit.RabbitSinkStatistics;
import dev.pgcdc.replication.ReplicationSettings;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configuration of the RabbitMQ sink: when Spring AMQP is present and {@code cdc.rabbit.enabled=true},
 * a {@link RabbitSink} joins the engine's consumers and publishes through the application's
 * {@link ConnectionFactory} ({@code spring.rabbitmq.*}).
 *
 * @author pgcdc
 */
@AutoConfiguration(after = CdcAutoConfiguration.class,
		afterName = "org.springframework.boot.amqp.autoconfigure.RabbitAutoConfiguration")
@ConditionalOnClass({ ConnectionFactory.class, com.rabbitmq.client.Channel.class })
@ConditionalOnBooleanProperty(name = "cdc.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty("cdc.rabbit.enabled")
@ConditionalOnBean(ReplicationSettings.class)
@EnableConfigurationProperties(CdcRabbitProperties.class)
public final class CdcRabbitAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	RabbitSink cdcRabbitSink(CdcRabbitProperties properties, ReplicationSettings settings,
			ObjectProvider<ConnectionFactory> connectionFactory, ObjectProvider<OutboxCodec> outbox,
			ObjectProvider<DeadLetters> deadLetters) {
		ConnectionFactory factory = connectionFactory.getIfAvailable();
		if (factory == null) {
			throw new IllegalStateException("cdc.rabbit.enabled is true but the application has no RabbitMQ "
					+ "ConnectionFactory: add spring-boot-starter-amqp and set spring.rabbitmq.host (or define a "
					+ "ConnectionFactory bean), or set cdc.rabbit.enabled=false");
		}
		return RabbitSinkFactory.create(settings(properties), settings, outbox.getIfAvailable(), factory,
				deadLetters::getIfAvailable);
	}

	@Bean
	@ConditionalOnMissingBean
	RabbitSinkStatistics cdcRabbitSinkStatistics(RabbitSink sink) {
		return sink.statistics();
	}

	static RabbitSinkSettings settings(CdcRabbitProperties properties) {
		return new RabbitSinkSettings(properties.getExchange(), properties.getTables(), properties.getRoutingKey(),
				properties.getFormat(), properties.getOutbox().isEnabled(), properties.getOutbox().getRoutingKey(),
				properties.getFailurePolicy(), properties.getMaxInFlight(), properties.getMaxInFlightSize().toBytes(),
				properties.getRetry().getInitialInterval(), properties.getRetry().getMaxInterval(),
				properties.getDeclare()
					.stream()
					.map((queue) -> new RabbitQueueSpec(queue.getQueue(), queue.getBindings(),
							queue.getDeadLetterExchange()))
					.toList());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterBinder.class)
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		RabbitSinkMetrics cdcRabbitSinkMetrics(RabbitSink sink) {
			return new RabbitSinkMetrics(sink);
		}

	}

}
