package dev.pgcdc.replication;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;

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
import dev.pgcdc.pgoutput.PgOutputMessage.StreamAbort;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamCommit;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamStart;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamStop;
import dev.pgcdc.pgoutput.PgOutputMessage.Truncate;
import dev.pgcdc.pgoutput.PgOutputMessage.Update;
import dev.pgcdc.replication.ReplicationSetup.SlotStatus;
import dev.pgcdc.replication.StreamMarker.Committed;
import dev.pgcdc.replication.StreamMarker.StreamReset;
import dev.pgcdc.replication.StreamMarker.TransactionBegin;
import dev.pgcdc.replication.types.ValueDecoders;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.postgresql.PGConnection;
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

	/** The transactions the server streams before their commit (protocol version 2). */
	private final InProgressTransactions inProgress;

	/** Decodes streamed transactions' messages when they are replayed at their commit. */
	private final PgOutputDecoder replayDecoder = new PgOutputDecoder(2);

	// the state of the stream being read; reader thread only
	private EventAssembler assembler;

	private EventBatch batch;

	/** A message read ahead at a commit (see CommitLookahead), to be handled next. */
	private ByteBuffer lookahead;

	private final StreamFailures failures;

	StreamReader(EngineParts parts, BatchHandOver handOver, ValueDecoders decoders, SlotStatus slotStatus,
			EngineControl engine, Runnable snapshotOnlyDone, InitialSnapshot snapshot, InProgressTransactions inProgress) {
		this.inProgress = inProgress;
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
		this.failures = new StreamFailures(parts, handOver, engine);
		this.handOver = handOver;
		this.decoders = decoders;
		this.slotStatus = slotStatus;
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
				this.failures.connected();
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
				if (!this.failures.handle(ex, backoff)) {
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
		PGReplicationStream stream = ReplicationStreamStarter.start(pgConnection, this.settings,
				this.activity.resumeLsn());
		this.acknowledger.resumeOn(stream);
		return stream;
	}

	private void stream(PGReplicationStream stream) throws SQLException {
		this.activity.inTransaction(false);
		this.skip.reset();
		this.inProgress.clear();
		PgOutputDecoder decoder = new PgOutputDecoder(ReplicationStreamStarter.protoVersion(this.settings));
		this.assembler = new EventAssembler(this.decoders, this.converter, this.internalTables);
		this.batch = new EventBatch(BatchHandOver.BATCH_ITEMS);
		this.unqueuedCommitEnd = null;
		this.lookahead = null;
		this.activity.progressed();
		try {
			while (this.run.running()) {
				ByteBuffer buffer = this.lookahead;
				this.lookahead = null;
				if (buffer == null) {
					if (this.unqueuedCommitEnd != null && !handOver(stream)) {
						// held commits never wait for a read that may block: what came after them was no commit
						return;
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
				if (this.inProgress.takes(buffer)) {
					// a transaction still running: kept as received until its commit or abort
					// nothing to confirm meanwhile: positions move at commits, acknowledged at the block's stop
					this.inProgress.append(lsn.value(), buffer);
					continue;
				}
				int size = buffer.remaining();
				PgOutputMessage message = decoder.decode(buffer);
				if (message instanceof StreamStart start) {
					this.inProgress.start(start);
				}
				else if (message instanceof StreamStop) {
					this.inProgress.stop();
				}
				else if (message instanceof StreamAbort abort) {
					this.inProgress.aborted(abort);
				}
				else if (message instanceof StreamCommit commit) {
					if (!replay(commit, stream)) {
						return;
					}
				}
				else if (!handle(message, lsn, size, stream)) {
					return;
				}
				if (!handOverIfFull(stream)) {
					return;
				}
				// positions only move at commits; looking after every message would cost every row
				if (message instanceof Commit || message instanceof StreamCommit || this.batch.isEmpty()) {
					this.acknowledger.acknowledge(stream, false);
				}
			}
		}
		finally {
			this.inProgress.clear();
		}
	}

	/**
	 * Deliver a streamed transaction at its commit: its messages go through {@link #handle} between a begin and
	 * a commit made of the stream commit, exactly as if the server had sent it whole now.
	 */
	private boolean replay(StreamCommit commit, PGReplicationStream stream) throws SQLException {
		InProgressTransaction transaction = this.inProgress.committed(commit.xid());
		try {
			Lsn commitLsn = new Lsn(commit.commitLsn());
			if (!handle(new Begin(commit.commitLsn(), commit.commitTime(), commit.xid()), commitLsn, 0, stream)) {
				return false;
			}
			if (transaction != null) {
				if (logger.isDebugEnabled()) {
					logger.debug("Delivering streamed transaction " + commit.xid() + " (" + transaction.bytes()
							+ " bytes) at its commit " + commitLsn);
				}
				this.statistics.transactionStreamed(transaction.bytes());
				InProgressTransaction.Replay replay = transaction.replay();
				for (ByteBuffer buffer = replay.next(); buffer != null; buffer = replay.next()) {
					int size = buffer.remaining();
					if (!handle(this.replayDecoder.decodeStreamed(buffer), new Lsn(replay.lsn()), size, stream)
							|| !handOverIfFull(stream)) {
						return false;
					}
				}
			}
			return handle(new Commit(commit.flags(), commit.commitLsn(), commit.endLsn(), commit.commitTime()),
					commitLsn, 0, stream);
		}
		finally {
			if (transaction != null) {
				transaction.close();
			}
		}
	}

	/** Hand the batch over if it is full; returns {@code false} when the engine is stopping. */
	private boolean handOverIfFull(PGReplicationStream stream) throws SQLException {
		if (this.batch.isFull() || this.batch.bytes() >= BatchHandOver.BATCH_BYTES) {
			return handOver(stream);
		}
		return true;
	}

	/** Take one message of a committed transaction, or one outside transactions; {@code false} to stop. */
	private boolean handle(PgOutputMessage message, Lsn lsn, int size, PGReplicationStream stream) throws SQLException {
		EventAssembler assembler = this.assembler;
		if (this.skip.drops(message)) {
			// marked with CdcControl.skipCurrentTransaction(): nothing more of it reaches a consumer
		}
		else if (message instanceof Insert insert) {
			addChange(assembler.insert(insert, lsn), size);
		}
		else if (message instanceof Update update) {
			addChange(assembler.update(update, lsn), size);
		}
		else if (message instanceof Delete delete) {
			addChange(assembler.delete(delete, lsn), size);
		}
		else if (message instanceof Begin begin) {
			this.activity.inTransaction(true);
			assembler.begin(begin);
			this.skip.begin();
			TransactionContinuation.Start start = this.continuation.begin(begin.finalLsn());
			if (start == TransactionContinuation.Start.NEW_AFTER_ABANDONED) {
				this.batch.add(new StreamReset(), 0);
			}
			if (start != TransactionContinuation.Start.CONTINUED) {
				this.batch.add(new TransactionBegin(), size);
			}
		}
		else if (message instanceof Commit commit) {
			return commit(commit, size, stream);
		}
		else if (message instanceof Relation relation) {
			assembler.relation(relation);
		}
		else if (message instanceof Truncate truncate) {
			for (int oid : truncate.relationOids()) {
				addChange(assembler.truncate(oid, lsn), size);
				if (this.batch.isFull() && !handOver(stream)) {
					return false;
				}
			}
		}
		else if (message instanceof Message logical) {
			return message(logical, lsn, size, stream);
		}
		else if (logger.isDebugEnabled()) {
			logger.debug("Skipping pgoutput message " + message);
		}
		return true;
	}

	private boolean commit(Commit commit, int size, PGReplicationStream stream) throws SQLException {
		Lsn endLsn = new Lsn(commit.endLsn());
		// a skipped transaction's commit still goes through: its position is confirmed like any other
		this.skip.committed(this.assembler.xid(), new Lsn(commit.commitLsn()), this.statistics);
		this.batch.add(new Committed(
				new TransactionCommit(this.assembler.xid(), new Lsn(commit.commitLsn()), endLsn, commit.commitTime())),
				size);
		if (this.continuation.nothingQueued() && !this.resnapshots.awaitsCommit() && !this.batch.isFull()
				&& this.batch.bytes() < BatchHandOver.BATCH_BYTES) {
			this.lookahead = this.commitLookahead.readAhead(stream);
		}
		if (this.lookahead != null && this.commitLookahead.hold()) {
			this.continuation.committed();
			this.activity.inTransaction(false);
			this.unqueuedCommitEnd = endLsn;
			return true;
		}
		if (!handOver(stream)) {
			return false;
		}
		this.continuation.committed();
		this.activity.resumeLsn(endLsn);
		this.resnapshots.committed(endLsn); // re-snapshot hook: a chunk in this transaction is queued
		this.activity.inTransaction(false);
		this.statistics.received(endLsn);
		return true;
	}

	private boolean message(Message logical, Lsn lsn, int size, PGReplicationStream stream) throws SQLException {
		if (logical.prefix().equals(ResnapshotCoordinator.WATERMARK_PREFIX)) {
			// re-snapshot hook: watermarks are never delivered; a high one releases its chunk's rows here
			for (dev.pgcdc.event.ChangeEvent row : this.resnapshots.watermark(logical.content(), lsn, this.assembler)) {
				this.continuation.notContinuable();
				this.batch.add(row, ((TupleRow) row.after()).size());
				if (this.batch.isFull() && !handOver(stream)) {
					return false;
				}
			}
		}
		else if (logical.transactional() && logical.prefix().equals(ReplicationEngine.SKIP_PREFIX)) {
			this.skip.start();
		}
		else if (logical.prefix().equals(ReplicationEngine.CAUGHT_UP_PREFIX)) {
			// never delivered: awaitCaughtUp waits for its transaction's commit to be handled
		}
		else if (!logical.prefix().startsWith(StreamKeepalive.HEARTBEAT_PREFIX)
				&& !logical.prefix().equals(StreamKeepalive.WAKEUP_PREFIX)
				&& (!logical.transactional() || this.continuation.keep())) {
			this.batch.add(new LogicalMessage(logical.prefix(), logical.content(), logical.transactional(),
					new Lsn(logical.lsn())), size);
			if (!logical.transactional()) {
				// a pseudo-transaction of its own: nothing past it may be confirmed before it is handled,
				// and a reconnect resumes at it (delivering it again rather than skipping it)
				Lsn at = new Lsn(logical.lsn());
				this.batch.add(new Committed(new TransactionCommit(0, at, at, Instant.now())), 0);
				if (!handOver(stream)) {
					return false;
				}
				this.activity.resumeLsn(at);
			}
		}
		return true;
	}

	/**
	 * Queue the batch; once it is queued, the transactions committed into it become the resume position.
	 * Returns {@code false} when the engine is stopping.
	 */
	private boolean handOver(PGReplicationStream stream) throws SQLException {
		EventBatch next = this.handOver.handOver(stream, this.batch);
		this.commitLookahead.released();
		if (next == null) {
			return false;
		}
		this.batch = next;
		if (this.unqueuedCommitEnd != null) {
			this.activity.resumeLsn(this.unqueuedCommitEnd);
			this.statistics.received(this.unqueuedCommitEnd);
			this.unqueuedCommitEnd = null;
		}
		return true;
	}

	/**
	 * Queue a row change; {@code null} (a change of pgcdc's own tables) is skipped, and so is a change the
	 * dispatcher got before the connection dropped in the middle of its transaction. The re-snapshot
	 * coordinator sees every change first (a skipped one again), to note the keys changed inside an open
	 * watermark window.
	 */
	private void addChange(dev.pgcdc.event.ChangeEvent event, int size) {
		if (event != null) {
			this.skip.delivered();
			dev.pgcdc.event.ChangeEvent observed = this.resnapshots.observe(event);
			if (this.continuation.keep()) {
				this.batch.add(observed, size);
			}
		}
	}

}
