package dev.pgcdc.replication;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A transaction that must spill where no file can be written (a full disk, a directory that is a file)
 * stops capture with a message naming {@code cdc.memory.spill-directory}, and nothing of it is confirmed:
 * after the directory is fixed, a new start delivers it whole.
 */
class SpillFailureTests {

	@TempDir
	Path directory;

	@Test
	void aSpillFileThatCannotBeWrittenStopsCaptureAndConfirmsNothing() throws Exception {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("spill_failure");
		database.execute("CREATE TABLE items (id bigint PRIMARY KEY, payload text)");
		Path notADirectory = Files.createFile(this.directory.resolve("not-a-directory"));
		ReplicationSettings broken = EngineTestSupport.settings(database, "spill_failure").toBuilder()
			.tables(List.of("items"))
			.memory(2 * 1024 * 1024, notADirectory)
			.build();
		CollectingConsumer consumer = new CollectingConsumer(true);
		ReplicationEngine engine = EngineTestSupport.engine(broken, consumer);
		engine.start();
		String confirmedBefore;
		try {
			await().atMost(Duration.ofSeconds(20)).until(() -> engine.state() == EngineState.STREAMING);
			confirmedBefore = database.confirmedFlush("spill_failure");
			// about 4 MB in one transaction: more than half of the 2 MB budget, so it must spill
			database.execute("INSERT INTO items SELECT g, repeat('x', 1000) FROM generate_series(1, 4000) g");
			await().atMost(Duration.ofSeconds(30)).until(() -> engine.state() == EngineState.FAILED);
			assertThat(engine.lastError()).contains("cdc.memory.spill-directory").contains(notADirectory.toString());
			assertThat(consumer.transactions).isEmpty();
		}
		finally {
			engine.stop();
		}
		assertThat(database.confirmedFlush("spill_failure")).isEqualTo(confirmedBefore);
		ReplicationSettings fixed = broken.toBuilder().memory(2 * 1024 * 1024, this.directory.resolve("spill")).build();
		CollectingConsumer again = new CollectingConsumer(true);
		ReplicationEngine restarted = EngineTestSupport.engine(fixed, again);
		restarted.start();
		try {
			await().atMost(Duration.ofSeconds(60)).until(() -> again.transactions.size() == 1);
			assertThat(again.transactions.get(0).changes()).hasSize(4_000);
		}
		finally {
			restarted.stop();
		}
	}

}
