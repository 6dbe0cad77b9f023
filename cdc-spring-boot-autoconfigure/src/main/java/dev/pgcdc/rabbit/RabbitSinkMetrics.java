package dev.pgcdc.rabbit;

import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Micrometer meters of the RabbitMQ sink: the counters {@code cdc.rabbit.published},
 * {@code cdc.rabbit.confirmed}, {@code cdc.rabbit.returned}, {@code cdc.rabbit.nacked},
 * {@code cdc.rabbit.dead.letters}, {@code cdc.rabbit.skipped} and {@code cdc.rabbit.retries}, and the gauges
 * {@code cdc.rabbit.backlog} (messages not confirmed yet) and {@code cdc.rabbit.connected} (1 while
 * publishing, 0 while the broker is down, blocked or the sink stopped).
 *
 * @author pgcdc
 */
public class RabbitSinkMetrics implements MeterBinder {

	private final RabbitSinkStatistics statistics;

	/**
	 * Create the meters of a sink.
	 * @param sink the sink
	 */
	public RabbitSinkMetrics(RabbitSink sink) {
		this.statistics = sink.statistics();
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		counter(registry, "cdc.rabbit.published", "Messages published to RabbitMQ, again after reconnections included",
				RabbitSinkStatistics::published);
		counter(registry, "cdc.rabbit.confirmed", "Messages RabbitMQ confirmed", RabbitSinkStatistics::confirmed);
		counter(registry, "cdc.rabbit.returned", "Messages RabbitMQ returned as unroutable",
				RabbitSinkStatistics::returned);
		counter(registry, "cdc.rabbit.nacked", "Messages RabbitMQ refused", RabbitSinkStatistics::nacked);
		counter(registry, "cdc.rabbit.dead.letters", "Returned or refused messages stored as dead letters",
				RabbitSinkStatistics::deadLetters);
		counter(registry, "cdc.rabbit.skipped", "Returned or refused messages skipped", RabbitSinkStatistics::skipped);
		counter(registry, "cdc.rabbit.retries", "Attempts to reach RabbitMQ again after it failed",
				RabbitSinkStatistics::retries);
		Gauge.builder("cdc.rabbit.backlog", this.statistics, RabbitSinkStatistics::backlog)
			.description("Messages waiting for RabbitMQ's confirm")
			.register(registry);
		Gauge.builder("cdc.rabbit.connected", this.statistics,
				(statistics) -> (statistics.state() == RabbitSinkState.PUBLISHING) ? 1 : 0)
			.description("1 while the sink publishes, 0 while RabbitMQ is down or blocks it")
			.register(registry);
	}

	private void counter(MeterRegistry registry, String name, String description,
			ToDoubleFunction<RabbitSinkStatistics> value) {
		FunctionCounter.builder(name, this.statistics, value).description(description).register(registry);
	}

}
