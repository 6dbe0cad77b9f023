package dev.pgcdc.replication;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.PgRange;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.Test;
import org.postgresql.geometric.PGpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A snapshot row carries the same values as a streamed row of the same data for the types that decode to
 * something other than a String (money, bit strings, geometric types, hstore, ranges, multiranges,
 * composites and arrays of them): the snapshot reads the server's text output through the same decoders.
 * Each value against pgjdbc is checked by {@code ValueDecodersOracleTests}.
 */
class SnapshotValueTypesTests extends EngineTestBase {

	@Test
	void snapshotRowsEqualStreamedRowsForStructuredTypes() {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("snapshot_types");
		database.execute("CREATE EXTENSION IF NOT EXISTS hstore", "CREATE TYPE pair AS (a int4, b text)");
		String columns = "(id int PRIMARY KEY, m money, b1 bit(1), b3 bit(3), vb varbit, p point, l line, s lseg, "
				+ "bx box, pa path, pg polygon, c circle, h hstore, r int4range, tr tstzrange, dr daterange, "
				+ "nr numrange, mr int4multirange, cp pair, ps point[], rs int4range[], cps pair[])";
		String values = "(1, '-1234.56', B'1', B'101', B'', '(1,2)', '{1,2,3}', '[(0,0),(1,1)]', '(1,2),(0,0)', "
				+ "'[(0,0),(1,1),(2,0)]', '((0,0),(1,1),(2,0))', '<(0,0),1>', 'a=>1, b=>NULL', '[1,5)', "
				+ "'[2024-01-01 00:00:00+00,infinity)', '(,2024-01-01]', 'empty', '{[1,3),[5,)}', ROW(7, 'x, \"y\"'), "
				+ "'{\"(1,2)\",NULL}', '{\"[1,2)\",empty,NULL}', ARRAY[ROW(1, 'a')::pair, NULL]), "
				+ "(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
				+ "NULL, NULL, NULL, NULL, NULL)";
		database.execute("CREATE TABLE before_slot " + columns, "CREATE TABLE after_slot " + columns,
				"INSERT INTO before_slot VALUES " + values);
		CollectingConsumer consumer = new CollectingConsumer(false);
		this.engine = EngineTestSupport.engine(EngineTestSupport.settings(database, "snap_types")
			.toBuilder()
			.tables(List.of("before_slot", "after_slot"))
			.snapshot(SnapshotMode.INITIAL, 1_000)
			.build(), consumer);
		this.engine.start();
		await().atMost(Duration.ofSeconds(30)).until(() -> this.engine.state() == EngineState.STREAMING);
		database.execute("INSERT INTO after_slot VALUES " + values);
		await().atMost(Duration.ofSeconds(30)).until(() -> consumer.changes.size() == 4);
		List<ChangeEvent> snapshot = consumer.changes.subList(0, 2);
		List<ChangeEvent> streamed = consumer.changes.subList(2, 4);
		assertThat(snapshot).extracting(ChangeEvent::operation).containsOnly(Operation.SNAPSHOT);
		assertThat(streamed).extracting(ChangeEvent::operation).containsOnly(Operation.INSERT);
		for (int i = 0; i < 2; i++) {
			Map<String, Object> fromSnapshot = snapshot.get(i).after().toMap();
			Map<String, Object> fromStream = streamed.get(i).after().toMap();
			assertThat(fromSnapshot).as("row %d", i + 1).isEqualTo(fromStream);
		}
		Map<String, Object> row = snapshot.get(0).after().toMap();
		assertThat(row.get("m")).isEqualTo(-1234.56);
		assertThat(row.get("b1")).isEqualTo(true);
		assertThat(row.get("b3")).isEqualTo("101");
		assertThat(row.get("p")).isEqualTo(new PGpoint(1, 2));
		Map<String, String> hstore = new HashMap<>();
		hstore.put("a", "1");
		hstore.put("b", null);
		assertThat(row.get("h")).isEqualTo(hstore);
		assertThat(row.get("r")).isEqualTo(new PgRange<>(1, 5, true, false, false));
		assertThat(row.get("nr")).isEqualTo(PgRange.emptyRange());
		assertThat(row.get("cp")).isEqualTo(Map.of("a", 7, "b", "x, \"y\""));
	}

}
