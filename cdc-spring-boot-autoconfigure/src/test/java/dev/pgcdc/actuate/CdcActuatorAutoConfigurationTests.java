package dev.pgcdc.actuate;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import dev.pgcdc.actuate.CdcEndpoint.ActionDescriptor;
import dev.pgcdc.actuate.CdcEndpoint.CdcDescriptor;
import dev.pgcdc.autoconfigure.CdcActuatorAutoConfiguration;
import dev.pgcdc.listener.support.ConversionServiceValueConverter;
import dev.pgcdc.listener.support.StoppingDispatchErrorHandler;
import dev.pgcdc.replication.ConnectionSettings;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.ReplicationSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.jackson.JacksonEndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.InvocationContext;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.invoke.convert.ConversionServiceParameterValueMapper;
import org.springframework.boot.actuate.endpoint.jackson.EndpointJsonMapper;
import org.springframework.boot.actuate.endpoint.web.EndpointMediaTypes;
import org.springframework.boot.actuate.endpoint.web.ExposableWebEndpoint;
import org.springframework.boot.actuate.endpoint.web.WebEndpointHttpMethod;
import org.springframework.boot.actuate.endpoint.web.WebOperation;
import org.springframework.boot.actuate.endpoint.web.annotation.WebEndpointDiscoverer;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Every condition of {@link CdcActuatorAutoConfiguration}, with an engine that is never started and a
 * database that cannot be reached: the operations surface must work without either.
 */
class CdcActuatorAutoConfigurationTests {

	static final String PASSWORD = "Pw-Quokka-7731";

	static final String URL_PASSWORD = "Url-Wombat-4412";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CdcActuatorAutoConfiguration.class))
		.withUserConfiguration(UnreachableEngine.class);

	private final ApplicationContextRunner withMetrics = this.runner.withConfiguration(
			AutoConfigurations.of(MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
					CompositeMeterRegistryAutoConfiguration.class));

	@Test
	void nothingWithoutAnEngine() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(CdcActuatorAutoConfiguration.class))
			.withPropertyValues("management.endpoints.web.exposure.include=cdc")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(SlotMonitor.class)
				.doesNotHaveBean(CdcEndpoint.class)
				.doesNotHaveBean(CdcHealthIndicator.class)
				.doesNotHaveBean(CdcMetrics.class));
	}

	@Test
	void nothingWithoutActuatorHealthOrMicrometer() {
		this.withMetrics.withPropertyValues("management.endpoints.web.exposure.include=cdc")
			.withClassLoader(new FilteredClassLoader(Endpoint.class, HealthIndicator.class, MeterBinder.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(SlotMonitor.class)
				.doesNotHaveBean(CdcEndpoint.class)
				.doesNotHaveBean(CdcHealthIndicator.class)
				.doesNotHaveBean(CdcMetrics.class));
	}

	@Test
	void endpointOnlyWhenExposed() {
		this.runner.run((context) -> assertThat(context).doesNotHaveBean(CdcEndpoint.class));
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=health,cdc")
			.run((context) -> assertThat(context).hasSingleBean(CdcEndpoint.class));
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=*",
				"management.endpoints.web.exposure.exclude=cdc")
			.run((context) -> assertThat(context).doesNotHaveBean(CdcEndpoint.class));
	}

	@Test
	void endpointNotWithoutTheActuator() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=cdc")
			.withClassLoader(new FilteredClassLoader(Endpoint.class))
			.run((context) -> assertThat(context).doesNotHaveBean(CdcEndpoint.class)
				.hasSingleBean(CdcHealthIndicator.class));
	}

	@Test
	void endpointAccessCanBeTurnedOff() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=cdc",
				"management.endpoint.cdc.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(CdcEndpoint.class));
	}

	@Test
	void healthIndicatorByDefaultAsComponentCdc() {
		this.runner
			.withConfiguration(AutoConfigurations.of(HealthContributorAutoConfiguration.class,
					HealthContributorRegistryAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasSingleBean(CdcHealthIndicator.class).hasBean("cdcHealthIndicator");
				HealthContributorRegistry registry = context.getBean(HealthContributorRegistry.class);
				assertThat(registry.getContributor("cdc")).isSameAs(context.getBean(CdcHealthIndicator.class));
			});
	}

	@Test
	void healthIndicatorCanBeDisabled() {
		this.runner.withPropertyValues("management.health.cdc.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(CdcHealthIndicator.class));
		this.runner.withPropertyValues("management.health.defaults.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(CdcHealthIndicator.class));
	}

	@Test
	void healthIndicatorNotWithoutTheHealthModule() {
		this.runner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
			.run((context) -> assertThat(context).doesNotHaveBean(CdcHealthIndicator.class));
	}

	@Test
	void metricsOnlyWithAMeterRegistry() {
		this.runner.run((context) -> assertThat(context).doesNotHaveBean(CdcMetrics.class));
		this.withMetrics.run((context) -> {
			assertThat(context).hasSingleBean(CdcMetrics.class);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get("cdc.queue.size").gauge().value()).isZero();
			assertThat(registry.get("cdc.state").gauge().value()).isEqualTo(CdcMetrics.stateCode(EngineState.STOPPED));
			assertThat(registry.get("cdc.reconnects").functionCounter().count()).isZero();
			assertThat(registry.get("cdc.transactions.streamed").functionCounter().count()).isZero();
			assertThat(registry.get("cdc.lag.bytes").gauge().value()).as("unknown while unreachable").isNaN();
			assertThat(registry.get("cdc.retained.wal.bytes").gauge().value()).isNaN();
		});
	}

	@Test
	void metricsNotWithoutMicrometer() {
		this.withMetrics.withClassLoader(new FilteredClassLoader(MeterBinder.class))
			.run((context) -> assertThat(context).doesNotHaveBean(CdcMetrics.class));
	}

	@Test
	void userBeansReplaceOurs() {
		this.withMetrics.withPropertyValues("management.endpoints.web.exposure.include=cdc")
			.withUserConfiguration(UserBeans.class)
			.run((context) -> {
				assertThat(context.getBean(SlotMonitor.class)).isSameAs(context.getBean("mySlotMonitor"));
				assertThat(context.getBean(CdcEndpoint.class)).isSameAs(context.getBean("myEndpoint"));
				assertThat(context.getBean(CdcMetrics.class)).isSameAs(context.getBean("myMetrics"));
				assertThat(context).getBeans(HealthIndicator.class).containsOnlyKeys("cdcHealthIndicator");
				assertThat(context.getBean("cdcHealthIndicator")).isNotInstanceOf(CdcHealthIndicator.class);
			});
	}

	@Test
	void endpointWorksWithoutTheDatabaseAndShowsNoSecret() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=cdc")
			.withConfiguration(AutoConfigurations.of(JacksonEndpointAutoConfiguration.class))
			.run((context) -> {
				CdcDescriptor descriptor = context.getBean(CdcEndpoint.class).cdc();
				assertThat(descriptor.state()).isEqualTo(EngineState.STOPPED);
				assertThat(descriptor.slot().name()).isEqualTo("unreachable_slot");
				assertThat(descriptor.slot().active()).isNull();
				assertThat(descriptor.serverLsn()).isNull();
				assertThat(descriptor.lagBytes()).isNull();
				assertThat(descriptor.events().total()).isZero();
				assertThat(descriptor.listeners()).isEmpty();
				assertThat(descriptor.warnings()).singleElement()
					.asString()
					.contains("Could not read the state of replication slot 'unreachable_slot'");
				String json = context.getBean(EndpointJsonMapper.class).get().writeValueAsString(descriptor);
				assertThat(json).contains("\"snapshot\":null", "\"restartLsn\":null", "\"lagBytes\":null",
						"\"state\":\"STOPPED\"", "\"byTable\":{}");
				assertThat(json).doesNotContain(PASSWORD).doesNotContain(URL_PASSWORD);
			});
	}

	@Test
	void healthFollowsTheEngineWhenTheDatabaseIsUnreachable() {
		this.runner.run((context) -> {
			Health health = context.getBean(CdcHealthIndicator.class).health();
			assertThat(health.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
			assertThat(health.getDetails()).containsEntry("state", "STOPPED")
				.containsEntry("slot", "unreachable_slot")
				.containsEntry("maxLagBytes", DataSize.ofGigabytes(1).toBytes())
				.containsKey("slotError")
				.doesNotContainKey("lagBytes");
			assertThat(health.toString()).doesNotContain(PASSWORD).doesNotContain(URL_PASSWORD);
		});
	}

	@Test
	void webOperationsArePauseAndResumeUnderCdc() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=cdc").run((context) -> {
			Map<String, WebOperation> operations = webOperations(context);
			assertThat(operations).containsOnlyKeys("cdc", "cdc/{action}", "cdc/{action}/{tables}", "cdc/{resource}",
					"cdc/{resource}/{id}", "cdc/{resource}/{scope}/{listenerId}");
			assertThat(operations.get("cdc/{resource}").getRequestPredicate().getHttpMethod())
				.as("the dead letters").isEqualTo(WebEndpointHttpMethod.GET);
			assertThat(operations.get("cdc/{resource}/{id}").getRequestPredicate().getHttpMethod())
				.as("delete a dead letter").isEqualTo(WebEndpointHttpMethod.DELETE);
			assertThat(operations.get("cdc/{resource}/{scope}/{listenerId}").getRequestPredicate().getHttpMethod())
				.as("replay all of a listener").isEqualTo(WebEndpointHttpMethod.POST);
			assertThat(operations.get("cdc/{action}/{tables}").getRequestPredicate().getHttpMethod())
				.isEqualTo(WebEndpointHttpMethod.POST);
			assertThat(operations.get("cdc").getRequestPredicate().getHttpMethod()).isEqualTo(WebEndpointHttpMethod.GET);
			assertThat(operations.get("cdc/{action}").getRequestPredicate().getHttpMethod())
				.isEqualTo(WebEndpointHttpMethod.POST);
			WebOperation control = operations.get("cdc/{action}");
			assertThatExceptionOfType(InvalidEndpointRequestException.class)
				.isThrownBy(() -> invoke(control, "rewind"))
				.satisfies((ex) -> assertThat(ex.getReason()).contains("Unknown action 'rewind'")
					.contains("/actuator/cdc/pause"));
			assertThatExceptionOfType(InvalidEndpointRequestException.class).as("snapshot needs tables")
				.isThrownBy(() -> invoke(control, "snapshot"))
				.satisfies((ex) -> assertThat(ex.getReason()).contains("/actuator/cdc/snapshot/public.orders"));
			assertThatExceptionOfType(InvalidEndpointRequestException.class).as("the engine is not running")
				.isThrownBy(() -> invoke(control, "pause"))
				.satisfies((ex) -> assertThat(ex.getReason()).contains("STOPPED"));
			assertThat(invoke(control, "resume")).isEqualTo(new ActionDescriptor("resume", EngineState.STOPPED, false));
		});
	}

	/**
	 * Return the endpoint's web operations by path, as the actuator maps them to HTTP.
	 * @param context the application context
	 * @return the operations
	 */
	static Map<String, WebOperation> webOperations(ApplicationContext context) {
		WebEndpointDiscoverer discoverer = new WebEndpointDiscoverer(context,
				new ConversionServiceParameterValueMapper(ApplicationConversionService.getSharedInstance()),
				EndpointMediaTypes.DEFAULT, List.of(), List.of(), List.of(), List.of(), List.of());
		Collection<ExposableWebEndpoint> endpoints = discoverer.getEndpoints();
		ExposableWebEndpoint cdc = endpoints.stream()
			.filter((endpoint) -> endpoint.getEndpointId().equals(EndpointId.of("cdc")))
			.findFirst()
			.orElseThrow();
		return cdc.getOperations()
			.stream()
			.collect(Collectors.toMap((operation) -> operation.getRequestPredicate().getPath(),
					(operation) -> operation));
	}

	/**
	 * Invoke a web operation with a path variable {@code action}, as a POST would.
	 * @param operation the operation
	 * @param action the path variable
	 * @return the operation's result
	 */
	static Object invoke(WebOperation operation, String action) {
		return operation.invoke(new InvocationContext(SecurityContext.NONE, Map.of("action", action)));
	}

	static ReplicationEngine engine(ReplicationSettings settings) {
		return new ReplicationEngine(settings, List.of(), new StoppingDispatchErrorHandler(),
				new ConversionServiceValueConverter(ApplicationConversionService.getSharedInstance()));
	}

	@Configuration(proxyBeanMethods = false)
	static class UnreachableEngine {

		@Bean
		ReplicationEngine replicationEngine() {
			ConnectionSettings connection = new ConnectionSettings(
					"jdbc:postgresql://127.0.0.1:1/nowhere?password=" + URL_PASSWORD, "someone", PASSWORD);
			return engine(ReplicationSettings.defaults(connection, "unreachable_slot", "unreachable_publication"));
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserBeans {

		@Bean
		SlotMonitor mySlotMonitor(ReplicationEngine engine) {
			return new SlotMonitor(engine.settings());
		}

		@Bean
		CdcEndpoint myEndpoint(ReplicationEngine engine, SlotMonitor monitor) {
			return new CdcEndpoint(engine, null, monitor);
		}

		@Bean
		CdcMetrics myMetrics(ReplicationEngine engine, SlotMonitor monitor) {
			return new CdcMetrics(engine, null, monitor);
		}

		@Bean
		HealthIndicator cdcHealthIndicator() {
			return () -> Health.up().build();
		}

	}

}
