package dev.pgcdc.listener;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A table partitioned by range is captured under its own name: a listener naming the parent receives
 * the changes of every partition, of partitions created or attached while streaming, and of rows moved
 * between partitions, in commit order; the initial snapshot reads each row once.
 */
class PartitionedTableTests {

	private static final String MEASUREMENTS = "CREATE TABLE measurements (id bigint, day date NOT NULL, "
			+ "value int, PRIMARY KEY (id, day)) PARTITION BY RANGE (day)";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, CdcAutoConfiguration.class))
		.withUserConfiguration(ParentListener.class);

	@Test
	void listenerNamingTheParentReceivesEveryPartitionsChangesInCommitOrder() {
		TestDatabase database = partitioned("partitions_stream");
		this.runner.withPropertyValues(database.cdcProperties("partitions_stream"))
			.withPropertyValues("cdc.publication.tables=measurements", "cdc.status-interval=500ms")
			.run((context) -> {
				awaitStreaming(context);
				database.execute("INSERT INTO measurements VALUES (1, '2026-01-10', 10)",
						"INSERT INTO measurements VALUES (2, '2026-02-10', 20)",
						// created while streaming: no restart, and its rows still arrive under the parent's name
						"CREATE TABLE measurements_2026_03 PARTITION OF measurements "
								+ "FOR VALUES FROM ('2026-03-01') TO ('2026-04-01')",
						"INSERT INTO measurements VALUES (3, '2026-03-10', 30)",
						"CREATE TABLE measurements_2026_04 (LIKE measurements INCLUDING ALL)",
						"ALTER TABLE measurements ATTACH PARTITION measurements_2026_04 "
								+ "FOR VALUES FROM ('2026-04-01') TO ('2026-05-01')",
						"INSERT INTO measurements VALUES (4, '2026-04-10', 40)",
						// moves row 1 from the January to the March partition
						"UPDATE measurements SET day = '2026-03-15', value = 11 WHERE id = 1",
						"UPDATE measurements SET value = 21 WHERE id = 2", "DELETE FROM measurements WHERE id = 3");
				ParentListener listener = context.getBean(ParentListener.class);
				List<String> expected = List.of("INSERT 1 10", "INSERT 2 20", "INSERT 3 30", "INSERT 4 40",
						// a row moving between partitions is a delete from one and an insert into the other
						"DELETE 1 null", "INSERT 1 11", "UPDATE 2 21", "DELETE 3 null");
				await().atMost(Duration.ofSeconds(20)).until(() -> listener.changes.size() >= expected.size());
				assertThat(describe(listener.changes)).containsExactlyElementsOf(expected);
				assertThat(listener.changes).allSatisfy(
						(event) -> assertThat(event.table().toString()).isEqualTo("public.measurements"));
				assertThat(listener.changes.get(4).before().get("day")).hasToString("2026-01-10");
			});
	}

	@Test
	void initialSnapshotOfTheParentDeliversEachRowOnce() {
		TestDatabase database = partitioned("partitions_snapshot");
		database.execute("CREATE TABLE measurements_2026_03 PARTITION OF measurements "
				+ "FOR VALUES FROM ('2026-03-01') TO ('2026-04-01')",
				"INSERT INTO measurements SELECT g, DATE '2026-01-01' + (g % 90), g FROM generate_series(1, 900) g");
		this.runner.withPropertyValues(database.cdcProperties("partitions_snapshot"))
			.withPropertyValues("cdc.publication.tables=measurements", "cdc.snapshot.mode=initial")
			.run((context) -> {
				awaitStreaming(context);
				ParentListener listener = context.getBean(ParentListener.class);
				await().atMost(Duration.ofSeconds(20)).until(() -> listener.changes.size() >= 900);
				database.execute("INSERT INTO measurements VALUES (901, '2026-02-01', 901)");
				await().atMost(Duration.ofSeconds(20)).until(() -> listener.changes.size() >= 901);
				assertThat(listener.changes.subList(0, 900)).allSatisfy((event) -> {
					assertThat(event.operation()).isEqualTo(Operation.SNAPSHOT);
					assertThat(event.table().toString()).isEqualTo("public.measurements");
				});
				assertThat(listener.changes.stream().map((event) -> event.row().get("id")).distinct().count())
					.as("each row once, not once from the parent and again from its partition")
					.isEqualTo(901);
				assertThat(listener.changes.get(900).operation()).isEqualTo(Operation.INSERT);
			});
	}

	private static TestDatabase partitioned(String prefix) {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase(prefix);
		database.execute(MEASUREMENTS,
				"CREATE TABLE measurements_2026_01 PARTITION OF measurements FOR VALUES FROM ('2026-01-01') TO ('2026-02-01')",
				"CREATE TABLE measurements_2026_02 PARTITION OF measurements FOR VALUES FROM ('2026-02-01') TO ('2026-03-01')");
		return database;
	}

	private static void awaitStreaming(ApplicationContext context) {
		await().atMost(Duration.ofSeconds(30))
			.until(() -> context.getBean(ReplicationEngine.class).state() == EngineState.STREAMING);
	}

	private static List<String> describe(List<ChangeEvent> changes) {
		List<String> described = new ArrayList<>();
		for (ChangeEvent event : changes) {
			Object value = (event.after() != null) ? event.after().get("value") : null;
			described.add(event.operation() + " " + event.row().get("id") + " " + value);
		}
		return described;
	}

	static class ParentListener {

		final List<ChangeEvent> changes = new CopyOnWriteArrayList<>();

		@CdcListener(tables = "measurements")
		void on(ChangeEvent event) {
			this.changes.add(event);
		}

	}

}
