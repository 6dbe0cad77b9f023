package dev.pgcdc.pgoutput;

import java.time.Instant;
import java.util.List;

/**
 * A message of PostgreSQL's {@code pgoutput} logical replication protocol, as decoded by
 * {@link PgOutputDecoder}.
 *
 * <p>LSNs are raw 64-bit positions and {@code xid} is 0 outside streamed (in-progress) transactions,
 * where the protocol does not carry it. Messages are only valid on the thread that decoded them
 * unless copied: tuple values point into the received buffer.
 *
 * @author pgcdc
 */
public sealed interface PgOutputMessage {

	/** Start of a transaction; {@code finalLsn} is the LSN of its commit record. */
	record Begin(long finalLsn, Instant commitTime, long xid) implements PgOutputMessage {
	}

	/**
	 * End of a transaction. {@code endLsn} is the end of the commit record: the position to acknowledge
	 * once the transaction is processed, so that a restart does not send it again.
	 */
	record Commit(int flags, long commitLsn, long endLsn, Instant commitTime) implements PgOutputMessage {
	}

	/** The replication origin a transaction came from (set by another replication system). */
	record Origin(long commitLsn, String name) implements PgOutputMessage {
	}

	/**
	 * The shape of a table, sent before its first change and again after any schema change.
	 * {@code namespace} is {@code pg_catalog} where the protocol sends an empty string.
	 * {@code replicaIdentity} is one of {@code d} (default), {@code n} (nothing), {@code f} (full),
	 * {@code i} (index).
	 */
	record Relation(long xid, int oid, String namespace, String name, char replicaIdentity,
			List<Column> columns) implements PgOutputMessage {
	}

	/** A column of a {@link Relation}; {@code key} when it is part of the replica identity. */
	record Column(boolean key, String name, int typeOid, int typeModifier) {
	}

	/** A non-built-in data type used by a following {@link Relation}. */
	record Type(long xid, int oid, String namespace, String name) implements PgOutputMessage {
	}

	/** A row inserted into the table {@code relationOid}. */
	record Insert(long xid, int relationOid, TupleData newTuple) implements PgOutputMessage {
	}

	/**
	 * A row updated. {@code oldKind} is {@code 'K'} (old key columns, only when the key changed),
	 * {@code 'O'} (whole old row, REPLICA IDENTITY FULL) or {@code 0} with a {@code null} old tuple.
	 */
	record Update(long xid, int relationOid, char oldKind, TupleData oldTuple, TupleData newTuple)
			implements PgOutputMessage {
	}

	/** A row deleted; {@code oldKind} is {@code 'K'} or {@code 'O'} as for {@link Update}. */
	record Delete(long xid, int relationOid, char oldKind, TupleData oldTuple) implements PgOutputMessage {
	}

	/** Tables truncated together; {@code options} bit 1 is CASCADE, bit 2 RESTART IDENTITY. */
	record Truncate(long xid, int options, int[] relationOids) implements PgOutputMessage {
	}

	/** A message from {@code pg_logical_emit_message}; {@code flags} bit 1 means transactional. */
	record Message(long xid, int flags, long lsn, String prefix, byte[] content) implements PgOutputMessage {

		public boolean transactional() {
			return (this.flags & 1) != 0;
		}
	}

	/** Start of a chunk of a streamed in-progress transaction (protocol 2+). */
	record StreamStart(long xid, boolean firstSegment) implements PgOutputMessage {
	}

	/** End of a chunk of a streamed transaction. */
	record StreamStop() implements PgOutputMessage {
	}

	/** Commit of a streamed transaction. */
	record StreamCommit(long xid, int flags, long commitLsn, long endLsn, Instant commitTime)
			implements PgOutputMessage {
	}

	/**
	 * Abort of a streamed transaction or subtransaction; {@code abortLsn} and {@code abortTime} are only
	 * sent by protocol 4 (parallel streaming), else 0 and {@code null}.
	 */
	record StreamAbort(long xid, long subXid, long abortLsn, Instant abortTime) implements PgOutputMessage {
	}

	/** Start of a prepared (two-phase) transaction. */
	record BeginPrepare(long prepareLsn, long endLsn, Instant prepareTime, long xid, String gid)
			implements PgOutputMessage {
	}

	/** {@code PREPARE TRANSACTION}; also used for a streamed prepare ({@code streamed} true). */
	record Prepare(int flags, long prepareLsn, long endLsn, Instant prepareTime, long xid, String gid,
			boolean streamed) implements PgOutputMessage {
	}

	/** {@code COMMIT PREPARED}. */
	record CommitPrepared(int flags, long commitLsn, long endLsn, Instant commitTime, long xid, String gid)
			implements PgOutputMessage {
	}

	/** {@code ROLLBACK PREPARED}. */
	record RollbackPrepared(int flags, long prepareEndLsn, long rollbackEndLsn, Instant prepareTime,
			Instant rollbackTime, long xid, String gid) implements PgOutputMessage {
	}

	/** A message type this decoder does not know; skipped by the engine, never fatal. */
	record Unknown(byte type, int length) implements PgOutputMessage {
	}

}
