package dev.pgcdc.benchmarks.app;

import java.util.List;

import dev.pgcdc.benchmarks.Progress;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Row;
import dev.pgcdc.listener.CdcListener;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;

/**
 * The application of the full-path variants: nothing but auto-configuration and one listener for
 * {@link ChangeEvent}, chosen by {@value #LISTENER_PROPERTY}: {@code event} (a no-op {@code @EventListener},
 * the default), {@code event-values} (an {@code @EventListener} that reads every column) or {@code cdc} (a
 * no-op {@code @CdcListener}) or {@code cdc4} (the same with {@code concurrency = 4}). The {@link Progress} bean is registered by the benchmark before the context
 * refreshes.
 */
@SpringBootApplication(proxyBeanMethods = false)
public class FullPathApplication {

	/** Which listener the application has. */
	public static final String LISTENER_PROPERTY = "bench.listener";

	@Bean
	@ConditionalOnProperty(name = LISTENER_PROPERTY, havingValue = "event", matchIfMissing = true)
	CountingListener countingListener(Progress progress) {
		return new CountingListener(progress);
	}

	@Bean
	@ConditionalOnProperty(name = LISTENER_PROPERTY, havingValue = "event-values")
	ValueReadingListener valueReadingListener(Progress progress) {
		return new ValueReadingListener(progress);
	}

	@Bean
	@ConditionalOnProperty(name = LISTENER_PROPERTY, havingValue = "cdc")
	CdcCountingListener cdcCountingListener(Progress progress) {
		return new CdcCountingListener(progress);
	}

	@Bean
	@ConditionalOnProperty(name = LISTENER_PROPERTY, havingValue = "cdc4")
	KeyedCdcCountingListener keyedCdcCountingListener(Progress progress) {
		return new KeyedCdcCountingListener(progress);
	}

	/** Counts the events and does nothing else: the cost of the pgcdc path itself. */
	public static class CountingListener {

		private final Progress progress;

		CountingListener(Progress progress) {
			this.progress = progress;
		}

		@EventListener
		public void on(ChangeEvent event) {
			this.progress.arrived();
		}

	}

	/** The same as {@link CountingListener}, through pgcdc's own listener model (its own thread). */
	public static class CdcCountingListener {

		private final Progress progress;

		CdcCountingListener(Progress progress) {
			this.progress = progress;
		}

		@CdcListener(tables = "w1")
		public void on(ChangeEvent event) {
			this.progress.arrived();
		}

	}

	/** As {@link CdcCountingListener}, on four threads spread by primary key. */
	public static class KeyedCdcCountingListener {

		private final Progress progress;

		KeyedCdcCountingListener(Progress progress) {
			this.progress = progress;
		}

		@CdcListener(tables = "w1", concurrency = 4)
		public void on(ChangeEvent event) {
			this.progress.arrived();
		}

	}

	/** Reads every column of the new image, which makes pgcdc decode every value, then counts. */
	public static class ValueReadingListener {

		private final Progress progress;

		private long values;

		ValueReadingListener(Progress progress) {
			this.progress = progress;
		}

		@EventListener
		public void on(ChangeEvent event) {
			Row row = event.after();
			List<String> columns = row.columns();
			long present = 0;
			for (int i = 0; i < columns.size(); i++) {
				if (row.get(columns.get(i)) != null) {
					present++;
				}
			}
			// only the dispatch thread calls this; the total is read after the run
			this.values += present;
			this.progress.arrived();
		}

		/**
		 * Return how many non-null values were read, as proof that they were.
		 * @return the number of values
		 */
		public long values() {
			return this.values;
		}

	}

}
