package dev.pgcdc.replication;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableId;
import dev.pgcdc.event.ValueConverter;
import dev.pgcdc.replication.types.JdbcTypeLookup;
import dev.pgcdc.replication.types.ValueDecoders;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Interleaves re-snapshot chunks with the live stream using watermarks (the DBLog idea).
 *
 * <p>A worker thread ({@link ResnapshotWorker}) reads a table chunk by chunk in key order. For each chunk it
 * commits a low watermark message, selects the chunk, registers its rows here, and commits a high
 * watermark message. The reader thread, meeting the watermarks in the stream, calls {@link #observe} for
 * every row change and {@link #watermark} for every watermark message: from the low watermark of the first
 * chunk of a table on, it collects the keys of that table changed in the stream; at a high watermark it
 * hands over the chunk's rows whose key was <em>not</em> changed since the previous high watermark, as
 * SNAPSHOT events, in stream order, and forgets the keys. A chunk row whose key was changed is older than
 * (or as old as) the change the stream already delivered, so dropping it never loses a change; a row whose
 * key was not changed is the current state at the high watermark. Collecting from the previous high
 * watermark rather than the chunk's own low one also covers a transaction whose commit record precedes
 * the low watermark but that was not yet visible when the chunk was selected.
 *
 * <p>Watermark ids unknown to this engine (another run, another engine) are ignored; watermark messages
 * never reach consumers.
 *
 * @author pgcdc
 */
final class ResnapshotCoordinator {

	/** Prefix of the watermark messages; never delivered to consumers. */
	static final String WATERMARK_PREFIX = "pgcdc-watermark";

	/** Rows per chunk; a chunk is held in memory between its select and its high watermark. */
	static final int CHUNK_ROWS = 1_000;

	private static final Log logger = LogFactory.getLog(ResnapshotCoordinator.class);

	private final PgConnector connector;

	private final ValueConverter converter;

	private final FlushTracker flushTracker;

	private final ReplicationSettings settings;

	private final BooleanSupplier streaming;

	private final BooleanSupplier running;

	private final int chunkRows;

	private final Map<String, Chunk> chunks = new ConcurrentHashMap<>();

	private final AtomicBoolean resumeChecked = new AtomicBoolean();

	private volatile ValueDecoders decoders;

	private volatile ResnapshotWorker worker;

	private volatile Resnapshot last;

	/** The table the worker is reading, whose changes the reader collects; {@code null} when none. */
	private volatile TableId tracking;

	// reader thread only

	private TableId windowTable;

	private ResnapshotTable windowShape;

	private Set<List<Object>> changedKeys = new HashSet<>();

	private boolean windowUnsure;

	private Chunk awaitingCommit;

	ResnapshotCoordinator(PgConnector connector, ValueConverter converter, FlushTracker flushTracker,
			ReplicationSettings settings, BooleanSupplier streaming, BooleanSupplier running, int chunkRows) {
		this.connector = connector;
		this.converter = converter;
		this.flushTracker = flushTracker;
		this.settings = settings;
		this.streaming = streaming;
		this.running = running;
		this.chunkRows = chunkRows;
	}

	// ---- API (any thread)

	/**
	 * Start a re-snapshot of tables; one whose earlier re-snapshot was interrupted continues after its last
	 * delivered chunk.
	 */
	synchronized Resnapshot start(List<String> tableNames) {
		if (tableNames == null || tableNames.isEmpty()) {
			throw new IllegalArgumentException("Name at least one table to re-snapshot");
		}
		if (!this.streaming.getAsBoolean()) {
			throw new IllegalStateException("Re-snapshot needs a streaming engine; slot '" + this.settings.slotName()
					+ "' is not streaming");
		}
		checkIdle();
		List<TableId> tables = new ArrayList<>();
		for (String name : tableNames) {
			TableId table = TableId.parse(name);
			if (!tables.contains(table)) {
				tables.add(table);
			}
		}
		Map<TableId, ResnapshotTable> shapes = new LinkedHashMap<>();
		Map<TableId, ResnapshotState.Entry> unfinished;
		ResnapshotState state = new ResnapshotState(this.connector, this.settings.slotName());
		try (Connection connection = this.connector.open()) {
			for (TableId table : tables) {
				checkPublished(connection, table);
				shapes.put(table, ResnapshotTable.describe(connection, table, decoders()));
			}
			String unreadable = PrivilegeCheck.unreadable(connection, tables, "the re-snapshot");
			if (unreadable != null) {
				throw new IllegalArgumentException(unreadable);
			}
			state.requested(tables);
			unfinished = state.unfinished();
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not start the re-snapshot of " + tables + ": " + ex.getMessage(), ex);
		}
		return launch(shapes, unfinished, state);
	}

	/**
	 * Called when the engine (re)starts streaming: continue an unfinished re-snapshot of this slot, once per
	 * engine start.
	 */
	void streaming() {
		if (!this.resumeChecked.compareAndSet(false, true)) {
			return;
		}
		Thread thread = new Thread(this::resumeUnfinished, "pgcdc-resnapshot-resume-" + this.settings.slotName());
		thread.setDaemon(true);
		thread.start();
	}

	private void resumeUnfinished() {
		try {
			ResnapshotState state = new ResnapshotState(this.connector, this.settings.slotName());
			Map<TableId, ResnapshotState.Entry> unfinished = state.unfinished();
			if (unfinished.isEmpty()) {
				return;
			}
			Map<TableId, ResnapshotTable> shapes = new LinkedHashMap<>();
			try (Connection connection = this.connector.open()) {
				for (TableId table : unfinished.keySet()) {
					shapes.put(table, ResnapshotTable.describe(connection, table, decoders()));
				}
			}
			synchronized (this) {
				if (!this.streaming.getAsBoolean() || (this.worker != null && this.worker.isAlive())) {
					return;
				}
				logger.info("Continuing the interrupted re-snapshot of " + shapes.keySet() + " on slot '"
						+ this.settings.slotName() + "'");
				launch(shapes, unfinished, state);
			}
		}
		catch (SQLException | RuntimeException ex) {
			logger.warn("Could not continue the interrupted re-snapshot of slot '" + this.settings.slotName() + "': "
					+ ex.getMessage() + "; call resnapshot(...) again to retry", ex);
		}
	}

	private Resnapshot launch(Map<TableId, ResnapshotTable> shapes, Map<TableId, ResnapshotState.Entry> unfinished,
			ResnapshotState state) {
		Resnapshot resnapshot = new Resnapshot(List.copyOf(shapes.keySet()));
		List<ResnapshotWorker.Task> tasks = new ArrayList<>();
		for (ResnapshotTable shape : shapes.values()) {
			ResnapshotState.Entry entry = unfinished.get(shape.table());
			tasks.add(new ResnapshotWorker.Task(shape, (entry != null) ? entry.lastKey() : null));
		}
		ResnapshotWorker next = new ResnapshotWorker(this, state, tasks, resnapshot, this.chunkRows);
		this.worker = next;
		this.last = resnapshot;
		next.start("pgcdc-resnapshot-" + this.settings.slotName());
		return resnapshot;
	}

	private void checkIdle() {
		ResnapshotWorker current = this.worker;
		if (current != null && current.isAlive()) {
			throw new IllegalStateException("A re-snapshot of " + current.resnapshot().tables()
					+ " is running; wait for it to finish (one at a time)");
		}
	}

	private void checkPublished(Connection connection, TableId table) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(
				"SELECT 1 FROM pg_publication_tables WHERE pubname = ? AND schemaname = ? AND tablename = ?")) {
			statement.setString(1, this.settings.publicationName());
			statement.setString(2, table.schema());
			statement.setString(3, table.name());
			try (ResultSet rs = statement.executeQuery()) {
				if (!rs.next()) {
					throw new IllegalArgumentException("Cannot re-snapshot " + table + ": it is not in publication '"
							+ this.settings.publicationName() + "', so its changes are not streamed");
				}
			}
		}
	}

	/** Return the re-snapshot running or last run by this engine, or {@code null}. */
	Resnapshot last() {
		return this.last;
	}

	/** The engine stops: end the worker; an unfinished re-snapshot continues on the next start. */
	void stop() {
		ResnapshotWorker current = this.worker;
		if (current != null) {
			current.halt();
			try {
				current.join(30_000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		this.chunks.clear();
		this.tracking = null;
		this.resumeChecked.set(false);
	}

	// ---- worker side

	ValueDecoders decoders() {
		ValueDecoders current = this.decoders;
		if (current == null) {
			current = new ValueDecoders(new JdbcTypeLookup(this.connector.asDataSource()));
			this.decoders = current;
		}
		return current;
	}

	PgConnector connector() {
		return this.connector;
	}

	ValueConverter converter() {
		return this.converter;
	}

	Lsn flushable() {
		return this.flushTracker.flushable();
	}

	boolean engineRunning() {
		return this.running.getAsBoolean();
	}

	void track(TableId table) {
		this.tracking = table;
	}

	void register(Chunk chunk) {
		this.chunks.put(chunk.id, chunk);
	}

	void unregister(Chunk chunk) {
		this.chunks.remove(chunk.id);
	}

	// ---- reader thread

	/**
	 * Note a streamed change: while a window is open on its table, remember its key (old and new).
	 * @return the event, unchanged
	 */
	ChangeEvent observe(ChangeEvent event) {
		TableId window = this.windowTable;
		if (window == null) {
			return event;
		}
		if (!window.equals(this.tracking)) {
			closeWindow();
			return event;
		}
		if (!event.table().equals(window)) {
			return event;
		}
		if (event.operation() == Operation.TRUNCATE) {
			this.windowUnsure = true;
			return event;
		}
		if (event.after() != null) {
			remember(this.windowShape.key(event.after()));
		}
		if (event.before() != null || event.operation() == Operation.DELETE) {
			remember(this.windowShape.key(event.before()));
		}
		return event;
	}

	private void remember(List<Object> key) {
		if (key == null) {
			// a change whose key cannot be told: no chunk row of this window can be trusted
			this.windowUnsure = true;
		}
		else {
			this.changedKeys.add(key);
		}
	}

	private void closeWindow() {
		this.windowTable = null;
		this.windowShape = null;
		this.changedKeys = new HashSet<>();
		this.windowUnsure = false;
	}

	/**
	 * Handle a watermark message. A low watermark opens the window on its chunk's table (or keeps the one
	 * open since the previous high watermark); a high watermark returns the chunk's rows still valid, as
	 * SNAPSHOT events of the watermark's transaction, to be queued right there.
	 */
	List<ChangeEvent> watermark(byte[] content, Lsn lsn, EventAssembler assembler) {
		String text = new String(content, StandardCharsets.UTF_8);
		int colon = text.lastIndexOf(':');
		Chunk chunk = (colon > 0) ? this.chunks.get(text.substring(0, colon)) : null;
		if (chunk == null) {
			return List.of();
		}
		String kind = text.substring(colon + 1);
		if ("low".equals(kind)) {
			if (!chunk.shape.table().equals(this.windowTable)) {
				closeWindow();
				this.windowTable = chunk.shape.table();
				this.windowShape = chunk.shape;
			}
			return List.of();
		}
		if (!"high".equals(kind)) {
			return List.of();
		}
		this.awaitingCommit = chunk;
		if (chunk.emitted) {
			// the watermark's transaction is read again after a reconnect: the rows queued the first time may
			// have been dropped with the connection, so send them again (a duplicate at worst)
			return chunk.events;
		}
		chunk.emitted = true;
		if (!chunk.shape.table().equals(this.windowTable) || this.windowUnsure) {
			chunk.retry = true;
			closeWindow();
			this.windowTable = chunk.shape.table();
			this.windowShape = chunk.shape;
			return List.of();
		}
		List<ChangeEvent> events = new ArrayList<>(chunk.rows.size());
		for (int i = 0; i < chunk.rows.size(); i++) {
			if (!this.changedKeys.contains(chunk.keys.get(i))) {
				events.add(new ChangeEvent(Operation.SNAPSHOT, chunk.shape.table(), null, chunk.rows.get(i), lsn,
						assembler.commitLsn(), assembler.xid(), assembler.commitTime()));
			}
		}
		chunk.dropped = chunk.rows.size() - events.size();
		chunk.events = events;
		this.changedKeys = new HashSet<>();
		return events;
	}

	/** Whether the open transaction released a chunk that waits for its commit to be queued. */
	boolean awaitsCommit() {
		return this.awaitingCommit != null;
	}

	/** A transaction's commit was queued: a high watermark in it completes its chunk at that position. */
	void committed(Lsn endLsn) {
		Chunk chunk = this.awaitingCommit;
		if (chunk != null) {
			this.awaitingCommit = null;
			chunk.delivered.complete(endLsn);
		}
	}

	/**
	 * One chunk: its rows, selected between its watermarks, and their keys.
	 */
	static final class Chunk {

		final String id;

		final ResnapshotTable shape;

		final CompletableFuture<Lsn> delivered = new CompletableFuture<>();

		volatile List<TupleRow> rows = List.of();

		volatile List<List<Object>> keys = List.of();

		// written by the reader before it completes delivered, read by the worker after

		boolean emitted;

		List<ChangeEvent> events = List.of();

		boolean retry;

		int dropped;

		Chunk(String id, ResnapshotTable shape) {
			this.id = id;
			this.shape = shape;
		}

	}

}
