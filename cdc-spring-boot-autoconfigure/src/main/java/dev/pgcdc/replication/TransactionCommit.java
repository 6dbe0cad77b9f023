package dev.pgcdc.replication;

import java.time.Instant;

import dev.pgcdc.event.Lsn;

/**
 * The end of a committed transaction as the engine passes it to consumers.
 *
 * <p>{@code endLsn} is the position to confirm once the transaction is fully handled: confirming it
 * means the server will not send the transaction again.
 *
 * @param xid the transaction id
 * @param commitLsn the position of the commit record
 * @param endLsn the end of the commit record
 * @param commitTime when the transaction committed
 * @author pgcdc
 */
public record TransactionCommit(long xid, Lsn commitLsn, Lsn endLsn, Instant commitTime) {
}
