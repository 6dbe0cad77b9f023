package dev.pgcdc.benchmarks.latencyapp;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.listener.CdcListener;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * The application of the listener latency benchmark: auto-configuration and one {@code @CdcListener} on
 * table {@code latency} that notes, on entering the method, how long ago the change's transaction committed.
 * The {@link Recorder} bean is registered by the benchmark before the context refreshes.
 */
@SpringBootApplication(proxyBeanMethods = false)
public class ListenerLatencyApplication {

	@Bean
	LatencyListener latencyListener(Recorder recorder) {
		return new LatencyListener(recorder);
	}

	/** Notes the latency of each change as the first thing the listener method does. */
	public static class LatencyListener {

		private final Recorder recorder;

		LatencyListener(Recorder recorder) {
			this.recorder = recorder;
		}

		@CdcListener(tables = "latency")
		public void on(ChangeEvent event) {
			this.recorder.record(event, Instant.now());
		}

	}

	/** Latencies by row id (the writer's ids run from 0), in nanoseconds from commit to method entry. */
	public static final class Recorder {

		private final long[] latencies;

		private final AtomicInteger received = new AtomicInteger();

		/**
		 * Create a recorder.
		 * @param changes how many changes the writer commits
		 */
		public Recorder(int changes) {
			this.latencies = new long[changes];
		}

		void record(ChangeEvent event, Instant entered) {
			int id = (Integer) event.after().get("id");
			this.latencies[id] = Duration.between(event.commitTime(), entered).toNanos();
			this.received.incrementAndGet();
		}

		/**
		 * Return the latencies noted so far.
		 * @return nanoseconds per row id, 0 where none arrived
		 */
		public long[] latencies() {
			return this.latencies;
		}

		/**
		 * Return how many changes arrived.
		 * @return the count
		 */
		public int received() {
			return this.received.get();
		}

	}

}
