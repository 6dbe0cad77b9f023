package dev.pgcdc.benchmarks.outboxapp;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pgcdc.listener.OutboxListener;
import dev.pgcdc.outbox.OutboxEvent;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * The application of the outbox benchmark: auto-configuration and one {@code @OutboxListener} that records
 * each event's delay from {@code Outbox.publish} to the listener.
 */
@SpringBootApplication(proxyBeanMethods = false)
public class OutboxApplication {

	@Bean
	LatencyRecorder latencyRecorder() {
		return new LatencyRecorder();
	}

	/** Keeps the publish-to-listener delay of every event, in microseconds, in arrival order. */
	public static class LatencyRecorder {

		private volatile long[] micros = new long[0];

		private final AtomicInteger count = new AtomicInteger();

		private volatile long lastArrivalNanos;

		/**
		 * Start a new measurement.
		 * @param expected how many events will arrive
		 */
		public void reset(int expected) {
			this.micros = new long[expected];
			this.count.set(0);
		}

		@OutboxListener
		public void on(OutboxEvent event) {
			long delay = ChronoUnit.MICROS.between(event.createdAt(), Instant.now());
			int index = this.count.getAndIncrement();
			long[] target = this.micros;
			if (index < target.length) {
				target[index] = delay;
			}
			this.lastArrivalNanos = System.nanoTime();
		}

		public int count() {
			return this.count.get();
		}

		public long[] delays() {
			return this.micros;
		}

		public long lastArrivalNanos() {
			return this.lastArrivalNanos;
		}

	}

}
