package dev.pgcdc.autoconfigure;

import java.util.Map;

import dev.pgcdc.actuate.CdcEndpoint;
import dev.pgcdc.actuate.CdcHealthIndicator;
import dev.pgcdc.actuate.CdcMetrics;
import dev.pgcdc.actuate.SlotMonitor;
import dev.pgcdc.listener.support.CdcListenerRegistry;
import dev.pgcdc.rabbit.RabbitSinkStatistics;
import dev.pgcdc.replication.ReplicationEngine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.ConfigurationCondition;
import org.springframework.util.unit.DataSize;

/**
 * Auto-configuration of the operations surface of change data capture: the {@code cdc} actuator
 * endpoint (when exposed), the {@code cdc} health indicator (unless
 * {@code management.health.cdc.enabled=false}) and Micrometer meters (when a {@code MeterRegistry}
 * exists). Each part needs its library on the classpath and backs off when the application defines its
 * own bean.
 *
 * @author pgcdc
 */
@AutoConfiguration(after = CdcAutoConfiguration.class,
		afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnBean(ReplicationEngine.class)
@Conditional(CdcActuatorAutoConfiguration.OnOperationsLibrary.class)
public final class CdcActuatorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	SlotMonitor cdcSlotMonitor(ReplicationEngine engine) {
		return new SlotMonitor(engine.settings());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnAvailableEndpoint
		CdcEndpoint cdcEndpoint(ReplicationEngine engine, ObjectProvider<CdcListenerRegistry> listenerRegistry,
				SlotMonitor slotMonitor, ObjectProvider<RabbitSinkStatistics> rabbit) {
			return new CdcEndpoint(engine, listenerRegistry::getIfAvailable, slotMonitor, () -> {
				RabbitSinkStatistics statistics = rabbit.getIfUnique();
				return (statistics != null) ? Map.of("rabbit", statistics.describe()) : Map.of();
			});
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HealthIndicator.class)
	@ConditionalOnEnabledHealthIndicator("cdc")
	static class HealthConfiguration {

		@Bean
		@ConditionalOnMissingBean(value = CdcHealthIndicator.class, name = "cdcHealthIndicator")
		CdcHealthIndicator cdcHealthIndicator(ReplicationEngine engine, SlotMonitor slotMonitor,
				ObjectProvider<CdcProperties> properties) {
			CdcProperties cdc = properties.getIfAvailable(CdcProperties::new);
			DataSize maxLag = cdc.getHealth().getMaxLagBytes();
			return new CdcHealthIndicator(engine, slotMonitor, maxLag);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterBinder.class)
	@ConditionalOnBean(MeterRegistry.class)
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		CdcMetrics cdcMetrics(ReplicationEngine engine, ObjectProvider<CdcListenerRegistry> listenerRegistry,
				SlotMonitor slotMonitor) {
			return new CdcMetrics(engine, listenerRegistry::getIfAvailable, slotMonitor);
		}

	}

	/** Any of the actuator, the health module or Micrometer is on the classpath. */
	static final class OnOperationsLibrary extends AnyNestedCondition {

		OnOperationsLibrary() {
			super(ConfigurationCondition.ConfigurationPhase.PARSE_CONFIGURATION);
		}

		@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
		static final class Actuator {

		}

		@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
		static final class HealthModule {

		}

		@ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
		static final class Micrometer {

		}

	}

}
