package dev.pgcdc.benchmarks;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.pgcdc.benchmarks.app.FullPathApplication;
import dev.pgcdc.benchmarks.app.FullPathApplication.ValueReadingListener;
import dev.pgcdc.replication.ReplicationEngine;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole pgcdc path, as an application gets it: a Spring Boot application context with the
 * auto-configured engine, publishing every change to an {@code @EventListener}.
 */
final class FullPathVariant {

	private final BenchmarkDatabase database;

	FullPathVariant(BenchmarkDatabase database) {
		this.database = database;
	}

	/**
	 * Return the properties every benchmark application starts with: quiet start-up, the database and the
	 * slot.
	 */
	static Map<String, Object> applicationProperties(BenchmarkDatabase database, String slot) {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("spring.main.banner-mode", "off");
		properties.put("spring.main.log-startup-info", "false");
		properties.put("spring.datasource.url", database.url());
		properties.put("spring.datasource.username", database.user());
		if (database.password() != null) {
			properties.put("spring.datasource.password", database.password());
		}
		properties.put("cdc.slot.name", slot);
		return properties;
	}

	/**
	 * Start a benchmark application: no web server, and no shutdown hook, since the benchmark closes the
	 * context itself before the next variant.
	 */
	static ConfigurableApplicationContext start(Class<?> application, Map<String, Object> properties,
			ApplicationContextInitializer<?>... initializers) {
		return new SpringApplicationBuilder(application).web(WebApplicationType.NONE)
			.registerShutdownHook(false)
			.properties(properties)
			.initializers(initializers)
			.run();
	}

	Result run(String variant, String slot, long rows, long timeoutMillis) throws Exception {
		boolean readValues = Options.FULL_VALUES.equals(variant);
		String listener = switch (variant) {
			case Options.FULL_VALUES -> "event-values";
			case Options.CDC_LISTENER -> "cdc";
			case Options.CDC_LISTENER_4 -> "cdc4";
			default -> "event";
		};
		Measurement measurement = new Measurement(this.database, slot, rows);
		Progress progress = measurement.progress();
		Map<String, Object> properties = applicationProperties(this.database, slot);
		if (Options.SNAPSHOT.equals(variant)) {
			// the rows exist already: pgcdc creates the slot and reads them as a snapshot
			properties.put("cdc.slot.create", "true");
			properties.put("cdc.snapshot.mode", "initial");
		}
		else {
			// the slot exists since before the rows were inserted; creating it now would skip them
			properties.put("cdc.slot.create", "false");
		}
		properties.put("cdc.publication.name", W1Workload.PUBLICATION);
		properties.put("cdc.publication.tables", W1Workload.TABLE);
		properties.put(FullPathApplication.LISTENER_PROPERTY, listener);
		String note = "";
		ApplicationContextInitializer<ConfigurableApplicationContext> registerProgress = (ctx) -> ctx.getBeanFactory()
			.registerSingleton("benchmarkProgress", progress);
		try (ConfigurableApplicationContext context = start(FullPathApplication.class, properties, registerProgress)) {
			String problem = measurement.await(timeoutMillis, context.getBean(ReplicationEngine.class));
			if (problem != null) {
				note = problem;
			}
			else if (readValues) {
				long values = context.getBean(ValueReadingListener.class).values();
				note = String.format("%,d non-null values read", values);
			}
		}
		return measurement.result(variant, note);
	}

}
