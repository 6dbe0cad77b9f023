package dev.pgcdc.listener.support;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.PgRange;
import dev.pgcdc.event.Row;
import dev.pgcdc.listener.CdcListener;
import dev.pgcdc.listener.DeadLetter;
import dev.pgcdc.listener.DeadLetters;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.Test;
import org.postgresql.geometric.PGcircle;
import org.postgresql.geometric.PGpoint;
import org.postgresql.geometric.PGpolygon;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A listener fails on rows of the types that decode to something other than a scalar (hstore, composites,
 * ranges, multiranges, geometric types, money, bit strings): the dead letter holds, and its replay delivers,
 * values equal to what the listener first received, of the same classes, so a replayed event is the event.
 */
class DeadLetterValueTypesTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, CdcAutoConfiguration.class))
		.withUserConfiguration(FailingListener.class);

	@Test
	void deadLettersOfStructuredValuesReplayAsEqualValuesOfTheSameClasses() {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("dead_letter_types");
		database.execute("CREATE EXTENSION hstore", "CREATE TYPE dl_pair AS (a int4, b text, r int4range, tags text[])",
				"CREATE TYPE dl_nested AS (p dl_pair, at timestamptz)",
				"CREATE TABLE kinds (id bigint PRIMARY KEY, h hstore, pair dl_pair, nested dl_nested, pairs dl_pair[], "
						+ "i4r int4range, tsr tstzrange, dr daterange, nr numrange, mr int4multirange, "
						+ "ranges int4range[], m money, b1 bit(1), b8 bit(8), vb varbit, p point, l line, s lseg, "
						+ "bx box, pa path, pg polygon, c circle)");
		this.runner.withPropertyValues(database.cdcProperties("dead_letter_types"))
			.withPropertyValues("cdc.publication.tables=kinds", "cdc.listener.retry.initial-interval=10ms",
					"cdc.listener.dead-letter-table=dl_types")
			.run((context) -> {
				await().atMost(Duration.ofSeconds(20))
					.until(() -> context.getBean(ReplicationEngine.class).state() == EngineState.STREAMING);
				database.execute("INSERT INTO kinds VALUES (1, 'a=>1, \"b c\"=>NULL, \"\"=>\"\", \"ü\\\"\\\\\"=>\"日本\"', "
						+ "ROW(7, 'x,\"y\"', '[1,4]', ARRAY['a', NULL, '']), "
						+ "ROW(ROW(NULL, NULL, 'empty', '{}'), '2025-05-01 10:00:00.123456+02'), "
						+ "ARRAY[ROW(1, 'one', '(,5)', NULL)::dl_pair, NULL], "
						+ "'[1,5)', '[2025-01-01 00:00+00,infinity)', '(,2024-01-01]', '(1.50,1E+3]', "
						+ "'{[1,3), [5,9)}', ARRAY['empty'::int4range, '[3,4)', NULL], '-1234.56', B'1', B'10100101', "
						+ "B'', '(1.5,-2)', '{1,-1,0.25}', '[(0,0),(1,1)]', '((2,2),(0,0))', '[(0,0),(1,1),(2,0)]', "
						+ "'((0,0),(1,1),(2,0))', '<(1,2),3.5>')",
						"INSERT INTO kinds (id) VALUES (2)");
				FailingListener listener = context.getBean(FailingListener.class);
				DeadLetters deadLetters = context.getBean(DeadLetters.class);
				await().atMost(Duration.ofSeconds(20)).until(() -> deadLetters.pending(10).size() == 2);
				assertThat(listener.received).hasSize(2);
				Row first = listener.received.get(0).after();
				assertThat(first.get("h")).isInstanceOf(Map.class);
				assertThat(first.get("pair")).isInstanceOf(Map.class);
				assertThat(first.get("i4r")).isInstanceOf(PgRange.class);
				assertThat(first.get("mr")).isInstanceOf(List.class);
				assertThat(first.get("p")).isInstanceOf(PGpoint.class);
				assertThat(first.get("pg")).isInstanceOf(PGpolygon.class);
				assertThat(first.get("c")).isInstanceOf(PGcircle.class);
				List<DeadLetter> letters = deadLetters.pending(10);
				JdbcDeadLettersTests.assertSameEvents(
						letters.stream().flatMap((letter) -> letter.changes().stream()).toList(), listener.received);

				listener.cured.set(true);
				for (DeadLetter letter : letters) {
					deadLetters.replay(letter.id());
				}
				assertThat(listener.received).hasSize(4);
				JdbcDeadLettersTests.assertSameEvents(listener.received.subList(2, 4), listener.received.subList(0, 2));
				assertThat(deadLetters.pending(10)).isEmpty();
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class FailingListener {

		final List<ChangeEvent> received = new CopyOnWriteArrayList<>();

		final AtomicBoolean cured = new AtomicBoolean();

		@CdcListener(id = "kinds", tables = "kinds", operations = Operation.INSERT, maxAttempts = 1)
		void on(ChangeEvent event) {
			this.received.add(event);
			if (!this.cured.get()) {
				throw new IllegalStateException("cannot handle kind " + event.after().get("id"));
			}
		}

	}

}
