package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.pgcdc.event.Lsn;
import dev.pgcdc.replication.ResnapshotCoordinator.Chunk;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The thread that reads a re-snapshot: per table, chunk after chunk in key order, each between a low and
 * a high watermark (see {@link ResnapshotCoordinator}); after each chunk was delivered to every consumer
 * it records the chunk's last key in {@link ResnapshotState}, so that an interrupted re-snapshot continues
 * there.
 *
 * @author pgcdc
 */
final class ResnapshotWorker {

	private static final Log logger = LogFactory.getLog(ResnapshotWorker.class);

	private final ResnapshotCoordinator coordinator;

	private final ResnapshotState state;

	private final List<Task> tasks;

	private final Resnapshot resnapshot;

	private final int chunkRows;

	private final String runId = UUID.randomUUID().toString().substring(0, 8);

	private final CountDownLatch halted = new CountDownLatch(1);

	private Thread thread;

	private long sequence;

	/** A table to read, after a key or from its start. */
	record Task(ResnapshotTable shape, String[] resumeAfter) {
	}

	ResnapshotWorker(ResnapshotCoordinator coordinator, ResnapshotState state, List<Task> tasks, Resnapshot resnapshot,
			int chunkRows) {
		this.coordinator = coordinator;
		this.state = state;
		this.tasks = List.copyOf(tasks);
		this.resnapshot = resnapshot;
		this.chunkRows = chunkRows;
	}

	void start(String name) {
		this.thread = new Thread(this::run, name);
		this.thread.setDaemon(true);
		this.thread.start();
	}

	boolean isAlive() {
		return this.thread != null && this.thread.isAlive();
	}

	void join(long millis) throws InterruptedException {
		this.thread.join(millis);
	}

	void halt() {
		this.halted.countDown();
	}

	Resnapshot resnapshot() {
		return this.resnapshot;
	}

	private void run() {
		try (Connection connection = this.coordinator.connector().openSnapshot()) {
			// every statement its own transaction: watermarks must commit before and after the chunk's select
			connection.setAutoCommit(true);
			try (Statement statement = connection.createStatement()) {
				// a watermark's commit flushes the WAL at once (not after wal_writer_delay under asynchronous
				// commit), so the reader sees it without delay; sync standbys are not waited for
				statement.execute("SET synchronous_commit = local");
			}
			for (Task task : this.tasks) {
				readTable(connection, task);
			}
			this.resnapshot.finish(Resnapshot.Status.DONE, null);
			logger.info("Re-snapshot of " + this.resnapshot.tables() + " done: " + this.resnapshot.progress().rowsDone()
					+ " rows read");
		}
		catch (Halted ex) {
			this.resnapshot.finish(Resnapshot.Status.STOPPED, null);
			logger.info("Re-snapshot of " + this.resnapshot.tables() + " stopped; it continues after its last "
					+ "delivered chunk when the engine streams again");
		}
		catch (SQLException | RuntimeException ex) {
			this.resnapshot.finish(Resnapshot.Status.FAILED, ex.getMessage());
			logger.error("Re-snapshot of " + this.resnapshot.tables() + " failed; it continues after its last "
					+ "delivered chunk on the next start, or when resnapshot(...) is called again", ex);
		}
		finally {
			this.coordinator.track(null);
		}
	}

	private void readTable(Connection connection, Task task) throws SQLException {
		ResnapshotTable shape = task.shape();
		SnapshotProgress.Table progress = this.resnapshot.progress()
			.start(shape.table(), SnapshotReader.estimatedRows(connection, shape.table()));
		this.coordinator.track(shape.table());
		String[] lastKey = task.resumeAfter();
		long rows = 0;
		if (lastKey != null) {
			logger.info("Re-snapshot of " + shape.table() + " continues after key " + String.join(", ", lastKey));
		}
		// an empty first chunk opens the window on the table one full round before the first rows are selected
		deliver(connection, newChunk(shape), null, false);
		while (true) {
			Chunk chunk = newChunk(shape);
			String[] chunkLastKey = deliver(connection, chunk, lastKey, true);
			if (chunk.retry) {
				logger.debug("Re-snapshot chunk " + chunk.id + " of " + shape.table() + " is read again: its window "
						+ "saw a change it cannot match by key");
				continue;
			}
			int read = chunk.rows.size();
			for (int i = 0; i < read; i++) {
				progress.rowRead();
			}
			rows += read;
			if (read < this.chunkRows) {
				break;
			}
			lastKey = chunkLastKey;
			this.state.chunkDone(connection, shape.table(), lastKey, rows);
		}
		this.state.tableDone(connection, shape.table(), rows);
		progress.finish();
	}

	private Chunk newChunk(ResnapshotTable shape) {
		return new Chunk(this.runId + "-" + (++this.sequence), shape);
	}

	/**
	 * Emit the low watermark, select the chunk after a key (no select for the opening chunk: {@code lastKey} and
	 * the rows stay empty), emit the high watermark, and wait until the chunk's transaction was handled by
	 * every consumer. Returns the key of the chunk's last row.
	 */
	private String[] deliver(Connection connection, Chunk chunk, String[] lastKey, boolean select) throws SQLException {
		this.coordinator.register(chunk);
		try {
			emit(connection, chunk.id + ":low");
			String[] chunkLastKey = select ? select(connection, chunk, lastKey) : null;
			emit(connection, chunk.id + ":high");
			Lsn end = awaitDelivery(chunk);
			while (this.coordinator.flushable().compareTo(end) < 0) {
				pause(5);
			}
			return chunkLastKey;
		}
		finally {
			this.coordinator.unregister(chunk);
		}
	}

	private String[] select(Connection connection, Chunk chunk, String[] lastKey) throws SQLException {
		ResnapshotTable shape = chunk.shape;
		int count = shape.schema().columns().size();
		List<TupleRow> rows = new ArrayList<>(this.chunkRows);
		List<List<Object>> keys = new ArrayList<>(this.chunkRows);
		String[] last = null;
		try (PreparedStatement statement = shape.selectChunk(connection, lastKey, this.chunkRows);
				ResultSet rs = statement.executeQuery()) {
			boolean[] bytea = SnapshotReader.byteaColumns(rs.getMetaData());
			while (rs.next()) {
				TupleRow row = new TupleRow(shape.schema(), SnapshotReader.tuple(rs, count, bytea), false, null,
						this.coordinator.converter());
				rows.add(row);
				keys.add(shape.key(row));
				last = shape.keyText(rs);
			}
		}
		chunk.keys = keys;
		chunk.rows = rows;
		return last;
	}

	private Lsn awaitDelivery(Chunk chunk) throws SQLException {
		while (true) {
			checkRunning();
			try {
				return chunk.delivered.get(100, TimeUnit.MILLISECONDS);
			}
			catch (TimeoutException ex) {
				// the reader has not reached the high watermark yet
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new Halted();
			}
			catch (ExecutionException ex) {
				throw new SQLException("Chunk " + chunk.id + " was not delivered", ex.getCause());
			}
		}
	}

	private void emit(Connection connection, String content) throws SQLException {
		checkRunning();
		try (PreparedStatement statement = connection.prepareStatement("SELECT pg_logical_emit_message(true, ?, ?)")) {
			statement.setString(1, ResnapshotCoordinator.WATERMARK_PREFIX);
			statement.setString(2, content);
			statement.execute();
		}
	}

	private void pause(long millis) {
		try {
			if (this.halted.await(millis, TimeUnit.MILLISECONDS)) {
				throw new Halted();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new Halted();
		}
		checkRunning();
	}

	private void checkRunning() {
		if (this.halted.getCount() == 0 || !this.coordinator.engineRunning()) {
			throw new Halted();
		}
	}

	/** The engine stops: end quietly, the state table keeps the position. */
	private static final class Halted extends RuntimeException {

		Halted() {
			super(null, null, false, false);
		}

	}

}
