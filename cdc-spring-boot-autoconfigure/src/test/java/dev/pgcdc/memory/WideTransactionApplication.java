package dev.pgcdc.memory;

import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.TransactionEvent;
import dev.pgcdc.listener.CdcListener;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * A consuming application in its own small-heap JVM for the memory tests: a whole-transaction listener, a
 * {@code List<ChangeEvent>} listener with a condition (even ids), a row listener and a Redis mapping
 * (SADD of every id) on table {@code wide}. It samples its live heap (after a full GC, every second) and
 * prints {@code SEEN} lines with what each listener got and {@code HEAP} lines with the high-water mark.
 * Arguments: JDBC URL, slot, Redis port, then further {@code key=value} properties.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class WideTransactionApplication {

	public static void main(String[] args) throws Exception {
		String[] properties = new String[args.length - 3 + 9];
		properties[0] = "spring.datasource.url=" + args[0];
		properties[1] = "spring.datasource.username=postgres";
		properties[2] = "spring.datasource.password=postgres";
		properties[3] = "cdc.slot.name=" + args[1];
		properties[4] = "cdc.publication.name=" + args[1];
		properties[5] = "cdc.publication.tables=wide";
		properties[6] = "spring.data.redis.port=" + args[2];
		properties[7] = "cdc.redis.mappings.wide.insert[0]=SADD wide:ids {id}";
		properties[8] = "cdc.status-interval=1s";
		System.arraycopy(args, 3, properties, 9, args.length - 3);
		ConfigurableApplicationContext context = new SpringApplicationBuilder(WideTransactionApplication.class)
			.web(WebApplicationType.NONE)
			.properties(properties)
			.run();
		ReplicationEngine engine = context.getBean(ReplicationEngine.class);
		while (engine.state() != EngineState.STREAMING) {
			TimeUnit.MILLISECONDS.sleep(50);
		}
		Seen seen = context.getBean(Seen.class);
		long baseline = liveHeap();
		long highWater = baseline;
		System.out.println("STREAMING budget=" + engine.memory().maxBytes() + " baseline=" + baseline);
		while (true) {
			highWater = Math.max(highWater, liveHeap());
			System.out.println(seen.report() + " state=" + engine.state() + " reserved=" + engine.memory().usedBytes());
			System.out.println("HEAP baseline=" + baseline + " highWater=" + highWater + " budget="
					+ engine.memory().maxBytes());
			TimeUnit.SECONDS.sleep(1);
		}
	}

	/** The heap the application really holds: what is left after a full collection. */
	static long liveHeap() {
		System.gc();
		Runtime runtime = Runtime.getRuntime();
		return runtime.totalMemory() - runtime.freeMemory();
	}

	@Bean
	Seen seen() {
		return new Seen();
	}

	/** What each listener received, by id, and how many it got twice. */
	static final class Seen {

		final BitSet transactions = new BitSet();

		final BitSet evens = new BitSet();

		final BitSet rows = new BitSet();

		final AtomicLong duplicates = new AtomicLong();

		@CdcListener(id = "transactions", tables = "wide")
		void transaction(TransactionEvent transaction) {
			for (ChangeEvent change : transaction.changes()) {
				mark(this.transactions, change);
			}
		}

		@CdcListener(id = "evens", tables = "wide", condition = "row.get('id') % 2 == 0")
		void evens(List<ChangeEvent> changes) {
			for (ChangeEvent change : changes) {
				mark(this.evens, change);
			}
		}

		@CdcListener(id = "rows", tables = "wide")
		void row(ChangeEvent change) {
			mark(this.rows, change);
		}

		private void mark(BitSet seen, ChangeEvent change) {
			int id = ((Number) change.row().get("id")).intValue();
			synchronized (seen) {
				if (seen.get(id)) {
					this.duplicates.incrementAndGet();
				}
				seen.set(id);
			}
		}

		String report() {
			synchronized (this) {
				return "SEEN transactions=" + count(this.transactions) + " evens=" + count(this.evens) + " rows="
						+ count(this.rows) + " duplicates=" + this.duplicates.get();
			}
		}

		private static int count(BitSet seen) {
			synchronized (seen) {
				return seen.cardinality();
			}
		}

	}

}
