package dev.pgcdc.replication;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.ValueConverter;
import dev.pgcdc.pgoutput.PgOutputDecoder;
import dev.pgcdc.pgoutput.PgOutputMessage;
import dev.pgcdc.pgoutput.PgOutputMessage.Begin;
import dev.pgcdc.pgoutput.PgOutputMessage.Commit;
import dev.pgcdc.pgoutput.PgOutputMessage.Delete;
import dev.pgcdc.pgoutput.PgOutputMessage.Insert;
import dev.pgcdc.pgoutput.PgOutputMessage.Message;
import dev.pgcdc.pgoutput.PgOutputMessage.Relation;
import dev.pgcdc.pgoutput.PgOutputMessage.Truncate;
import dev.pgcdc.pgoutput.PgOutputMessage.Update;
import dev.pgcdc.replication.FailureClassifier.Failure;
import dev.pgcdc.replication.ReplicationSetup.SlotStatus;
import dev.pgcdc.replication.StreamMarker.Committed;
import dev.pgcdc.replication.StreamMarker.StreamReset;
import dev.pgcdc.replication.StreamMarker.TransactionBegin;
import dev.pgcdc.replication.types.ValueDecoders;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * The reader thread of one run: connects, reads the initial snapshot if one is due, opens the stream after
 * the last transaction received, decodes it into batches for the dispatcher, and on a failure reconnects
 * with back-off, stands by, or stops capture, as the {@link FailureClassifier} decides.
 *
 * @author pgcdc
 */
final class StreamReader implements Runnable {

	private static final Log logger = LogFactory.getLog(StreamReader.class);

	private final ReplicationSettings settings;

	private final PgConnector connector;

	private final RunState run;

	private final ReaderActivity activity;

	private final PositionAcknowledger acknowledger;

	private final BatchHandOver handOver;

	private final TransactionContinuation continuation;

	private final ResnapshotCoordinator resnapshots;

	private final StreamStatistics statistics;

	private final ValueDecoders decoders;

	private final ValueConverter converter;

	private final InternalTables internalTables;

	private final InitialSnapshot snapshot;

	private final SlotCreator slotCreator;

	private final FailureClassifier classifier;

	private final EngineControl engine;

	private final Runnable snapshotOnlyDone;

	private SlotStatus slotStatus;

	private final DeliveryGate gate;

	/** Drops the rest of a transaction marked with a skip message; reader thread only. */
	private final TransactionSkip skip = new TransactionSkip();

	/**
	 * The end of the last transaction committed into the batch being filled but not queued yet, or
	 * {@code null}: it becomes the resume position only once the batch is queued, so that a connection lost
	 * before then starts again before it.
	 */
	private Lsn unqueuedCommitEnd;

	private final CommitLookahead commitLookahead = new CommitLookahead();

	/** The SQLSTATE of the last failure if it is permanent only when repeated; see FailureClassifier. */
	private String unconfirmedSqlState;

	StreamReader(EngineParts parts, BatchHandOver handOver, ValueDecoders decoders, SlotStatus slotStatus,
			EngineControl engine, Runnable snapshotOnlyDone, InitialSnapshot snapshot) {
		this.settings = parts.settings();
		this.connector = parts.connector();
		this.run = parts.run();
		this.activity = parts.activity();
		this.acknowledger = parts.acknowledger();
		this.continuation = parts.continuation();
		this.resnapshots = parts.resnapshots();
		this.statistics = parts.statistics();
		this.converter = parts.converter();
		this.internalTables = parts.internalTables();
		this.slotCreator = parts.slotCreator();
		this.gate = parts.gate();
		this.classifier = new FailureClassifier(this.settings);
		this.handOver = handOver;
		this.decoders = decoders;
		this.slotStatus = slotStatus;
		this.engine = engine;
		this.snapshotOnlyDone = snapshotOnlyDone;
		this.snapshot = snapshot;
	}

	@Override
	public void run() {
		Backoff backoff = new Backoff(this.settings.reconnectInitialInterval(), this.settings.reconnectMaxInterval());
		while (this.run.running()) {
			try (Connection connection = this.connector.openReplication()) {
				this.activity.connected(connection);
				if ((this.slotStatus == SlotStatus.CREATE_FOR_SNAPSHOT
						|| this.slotStatus == SlotStatus.CREATE_TEMPORARY_FOR_SNAPSHOT)) {
					// the slot is created by this run: nobody else can hold it
					this.gate.open();
					if (!snapshot(connection)) {
						return;
					}
				}
				PGReplicationStream stream = openStream(connection);
				// the slot is this instance's: what was queued before a lost connection may go on
				this.gate.open();
				this.activity.streaming(stream);
				this.statistics.connected();
				this.run.state(this.run.paused() ? EngineState.PAUSED : EngineState.STREAMING);
				this.run.lastError(null);
				backoff.reset();
				this.unconfirmedSqlState = null;
				this.resnapshots.streaming(); // re-snapshot hook: continue an interrupted one
				Lsn resumeLsn = this.activity.resumeLsn();
				logger.info("Streaming slot '" + this.settings.slotName() + "' of publication '"
						+ this.settings.publicationName() + "' from " + (resumeLsn.isValid() ? resumeLsn : "its confirmed position"));
				stream(stream);
				this.acknowledger.acknowledge(stream, true);
				stream.close();
			}
			catch (SQLException | RuntimeException ex) {
				// until it is known whether this instance still holds the slot, its backlog waits
				this.gate.close();
				if (!this.run.running()) {
					break;
				}
				if (!handleStreamFailure(ex, backoff)) {
					return;
				}
			}
			finally {
				this.activity.disconnected();
			}
		}
	}

	/** Read the initial snapshot; returns whether to stream afterwards ({@code initial-only} does not). */
	private boolean snapshot(Connection replication) throws SQLException {
		boolean temporary = this.slotStatus == SlotStatus.CREATE_TEMPORARY_FOR_SNAPSHOT;
		this.snapshot.read(replication, temporary);
		if (!temporary) {
			this.slotStatus = SlotStatus.EXISTS;
			return true;
		}
		logger.info("Snapshot delivered (cdc.snapshot.mode=initial-only); change data capture is done");
		this.snapshotOnlyDone.run();
		return false;
	}

	private PGReplicationStream openStream(Connection connection) throws SQLException {
		PGConnection pgConnection = connection.unwrap(PGConnection.class);
		if (this.slotStatus == SlotStatus.CREATE_TEMPORARY) {
			this.slotCreator.create(connection, true);
		}
		PGReplicationStream stream = pgConnection.getReplicationAPI()
			.replicationStream()
			.logical()
			.withSlotName(this.settings.slotName())
			.withStartPosition(LogSequenceNumber.valueOf(this.activity.resumeLsn().value()))
			.withSlotOption("proto_version", 1)
			.withSlotOption("publication_names", ReplicationSetup.quote(this.settings.publicationName()))
			.withSlotOption("messages", true)
			.withSlotOptions(this.settings.origin().slotOptions())
			.withStatusInterval((int) Math.max(1, this.settings.statusInterval().toMillis()), TimeUnit.MILLISECONDS)
			.withAutomaticFlush(false)
			.start();
		this.acknowledger.resumeOn(stream);
		return stream;
	}

	/** Returns whether to try again. */
	private boolean handleStreamFailure(Exception ex, Backoff backoff) {
		if (this.continuation.interrupted()) {
			this.handOver.queueReset();
		}
		Failure failure = this.classifier.classify(ex);
		String unconfirmed = this.unconfirmedSqlState;
		this.unconfirmedSqlState = null;
		if (failure.kind() == FailureClassifier.Kind.SLOT_IN_USE) {
			if (this.run.state() != EngineState.STANDBY) {
				// another instance streams the slot from its confirmed position: the backlog is its now.
				// Void it before saying STANDBY, and resume from the slot's position when the slot is back
				this.gate.abandon();
				this.handOver.abandonQueued();
				this.activity.resumeLsn(Lsn.ZERO);
			}
			this.run.state(EngineState.STANDBY);
			this.run.lastError(null);
			logger.info("Replication slot '" + this.settings.slotName() + "' is in use by another instance; standing by");
			return this.run.sleep(Math.min(backoff.nextDelayMillis(), 5_000));
		}
		String frozen = this.acknowledger.frozenReason();
		if (frozen != null) {
			return stop(frozen, ex);
		}
		if ("42704".equals(failure.sqlState())) {
			// after a primary failover the slot may be missing on the new primary: say so, not just "missing"
			String failover = FailoverSlots.explainMissingSlot(this.connector, this.settings.slotName());
			if (failover != null && failover.contains("promoted from a standby")) {
				return stop(ex.getMessage() + ". " + failover, ex);
			}
		}
		if (failure.kind() == FailureClassifier.Kind.PERMANENT
				|| (failure.kind() == FailureClassifier.Kind.PERMANENT_IF_REPEATED
						&& failure.sqlState().equals(unconfirmed))) {
			return stop(failure.message(), ex);
		}
		if (failure.kind() == FailureClassifier.Kind.PERMANENT_IF_REPEATED) {
			this.unconfirmedSqlState = failure.sqlState();
		}
		String message = String.valueOf(ex.getMessage());
		this.run.state(EngineState.RECONNECTING);
		this.run.lastError(message);
		long delay = backoff.nextDelayMillis();
		Lsn resumeLsn = this.activity.resumeLsn();
		logger.warn("Replication connection failed (" + message + "); reconnecting in " + delay + " ms, resuming after "
				+ (resumeLsn.isValid() ? resumeLsn : "the slot's confirmed position"));
		return this.run.sleep(delay);
	}

	private boolean stop(String reason, Exception ex) {
		this.engine.fail(reason, ex);
		return false;
	}

	private void stream(PGReplicationStream stream) throws SQLException {
		this.activity.inTransaction(false);
		this.skip.reset();
		PgOutputDecoder decoder = new PgOutputDecoder(1);
		EventAssembler assembler = new EventAssembler(this.decoders, this.converter, this.internalTables);
		EventBatch batch = new EventBatch(BatchHandOver.BATCH_ITEMS);
		this.unqueuedCommitEnd = null;
		ByteBuffer lookahead = null;
		this.activity.progressed();
		while (this.run.running()) {
			ByteBuffer buffer = lookahead;
			lookahead = null;
			if (buffer == null) {
				if (this.unqueuedCommitEnd != null) {
					// held commits never wait for a read that may block: what came after them was no commit
					batch = handOver(stream, batch);
					if (batch == null) {
						return;
					}
				}
				this.activity.readStarted();
				buffer = stream.read();
				this.activity.readReturned();
			}
			if (buffer == null) {
				if (stream.isClosed()) {
					throw new SQLException("The server ended the replication stream");
				}
				continue;
			}
			this.activity.progressed();
			Lsn lsn = new Lsn(stream.getLastReceiveLSN().asLong());
			int size = buffer.remaining();
			PgOutputMessage message = decoder.decode(buffer);
			if (this.skip.drops(message)) {
				// marked with CdcControl.skipCurrentTransaction(): nothing more of it reaches a consumer
			}
			else if (message instanceof Insert insert) {
				addChange(batch, assembler.insert(insert, lsn), size);
			}
			else if (message instanceof Update update) {
				addChange(batch, assembler.update(update, lsn), size);
			}
			else if (message instanceof Delete delete) {
				addChange(batch, assembler.delete(delete, lsn), size);
			}
			else if (message instanceof Begin begin) {
				this.activity.inTransaction(true);
				assembler.begin(begin);
				this.skip.begin();
				TransactionContinuation.Start start = this.continuation.begin(begin.finalLsn());
				if (start == TransactionContinuation.Start.NEW_AFTER_ABANDONED) {
					batch.add(new StreamReset(), 0);
				}
				if (start != TransactionContinuation.Start.CONTINUED) {
					batch.add(new TransactionBegin(), size);
				}
			}
			else if (message instanceof Commit commit) {
				Lsn endLsn = new Lsn(commit.endLsn());
				// a skipped transaction's commit still goes through: its position is confirmed like any other
				this.skip.committed(assembler.xid(), new Lsn(commit.commitLsn()), this.statistics);
				batch.add(new Committed(
						new TransactionCommit(assembler.xid(), new Lsn(commit.commitLsn()), endLsn, commit.commitTime())),
						size);
				if (this.continuation.nothingQueued() && !this.resnapshots.awaitsCommit() && !batch.isFull()
						&& batch.bytes() < BatchHandOver.BATCH_BYTES) {
					lookahead = this.commitLookahead.readAhead(stream);
				}
				if (lookahead != null && this.commitLookahead.hold()) {
					this.continuation.committed();
					this.activity.inTransaction(false);
					this.unqueuedCommitEnd = endLsn;
				}
				else {
					batch = handOver(stream, batch);
					if (batch == null) {
						return;
					}
					this.continuation.committed();
					this.activity.resumeLsn(endLsn);
					this.resnapshots.committed(endLsn); // re-snapshot hook: a chunk in this transaction is queued
					this.activity.inTransaction(false);
					this.statistics.received(endLsn);
				}
			}
			else if (message instanceof Relation relation) {
				assembler.relation(relation);
			}
			else if (message instanceof Truncate truncate) {
				for (int oid : truncate.relationOids()) {
					addChange(batch, assembler.truncate(oid, lsn), size);
					if (batch.isFull()) {
						batch = handOver(stream, batch);
						if (batch == null) {
							return;
						}
					}
				}
			}
			else if (message instanceof Message logical
					&& logical.prefix().equals(ResnapshotCoordinator.WATERMARK_PREFIX)) {
				// re-snapshot hook: watermarks are never delivered; a high one releases its chunk's rows here
				for (dev.pgcdc.event.ChangeEvent row : this.resnapshots.watermark(logical.content(), lsn, assembler)) {
					this.continuation.notContinuable();
					batch.add(row, ((TupleRow) row.after()).size());
					if (batch.isFull()) {
						batch = handOver(stream, batch);
						if (batch == null) {
							return;
						}
					}
				}
			}
			else if (message instanceof Message logical && logical.transactional()
					&& logical.prefix().equals(ReplicationEngine.SKIP_PREFIX)) {
				this.skip.start();
			}
			else if (message instanceof Message logical
					&& logical.prefix().equals(ReplicationEngine.CAUGHT_UP_PREFIX)) {
				// never delivered: awaitCaughtUp waits for its transaction's commit to be handled
			}
			else if (message instanceof Message logical) {
				if (!logical.prefix().startsWith(StreamKeepalive.HEARTBEAT_PREFIX)
						&& !logical.prefix().equals(StreamKeepalive.WAKEUP_PREFIX)
						&& (!logical.transactional() || this.continuation.keep())) {
					batch.add(new LogicalMessage(logical.prefix(), logical.content(), logical.transactional(),
							new Lsn(logical.lsn())), size);
					if (!logical.transactional()) {
						// a pseudo-transaction of its own: nothing past it may be confirmed before it is handled,
						// and a reconnect resumes at it (delivering it again rather than skipping it)
						Lsn at = new Lsn(logical.lsn());
						batch.add(new Committed(new TransactionCommit(0, at, at, Instant.now())), 0);
						batch = handOver(stream, batch);
						if (batch == null) {
							return;
						}
						this.activity.resumeLsn(at);
					}
				}
			}
			else if (logger.isDebugEnabled()) {
				logger.debug("Skipping pgoutput message " + message);
			}
			if (batch.isFull() || batch.bytes() >= BatchHandOver.BATCH_BYTES) {
				batch = handOver(stream, batch);
				if (batch == null) {
					return;
				}
			}
			// positions only move at commits; looking after every message would cost every row
			if (message instanceof Commit || batch.isEmpty()) {
				this.acknowledger.acknowledge(stream, false);
			}
		}
	}

	/**
	 * Queue the batch; once it is queued, the transactions committed into it become the resume position.
	 * Returns the batch to fill next, or {@code null} when the engine is stopping.
	 */
	private EventBatch handOver(PGReplicationStream stream, EventBatch batch) throws SQLException {
		EventBatch next = this.handOver.handOver(stream, batch);
		this.commitLookahead.released();
		if (next != null && this.unqueuedCommitEnd != null) {
			this.activity.resumeLsn(this.unqueuedCommitEnd);
			this.statistics.received(this.unqueuedCommitEnd);
			this.unqueuedCommitEnd = null;
		}
		return next;
	}

	/**
	 * Queue a row change; {@code null} (a change of pgcdc's own tables) is skipped, and so is a change the
	 * dispatcher got before the connection dropped in the middle of its transaction. The re-snapshot
	 * coordinator sees every change first (a skipped one again), to note the keys changed inside an open
	 * watermark window.
	 */
	private void addChange(EventBatch batch, dev.pgcdc.event.ChangeEvent event, int size) {
		if (event != null) {
			this.skip.delivered();
			dev.pgcdc.event.ChangeEvent observed = this.resnapshots.observe(event);
			if (this.continuation.keep()) {
				batch.add(observed, size);
			}
		}
	}

}
