package dev.pgcdc.pgoutput;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import dev.pgcdc.pgoutput.PgOutputMessage.Begin;
import dev.pgcdc.pgoutput.PgOutputMessage.BeginPrepare;
import dev.pgcdc.pgoutput.PgOutputMessage.Column;
import dev.pgcdc.pgoutput.PgOutputMessage.Commit;
import dev.pgcdc.pgoutput.PgOutputMessage.CommitPrepared;
import dev.pgcdc.pgoutput.PgOutputMessage.Delete;
import dev.pgcdc.pgoutput.PgOutputMessage.Insert;
import dev.pgcdc.pgoutput.PgOutputMessage.Message;
import dev.pgcdc.pgoutput.PgOutputMessage.Origin;
import dev.pgcdc.pgoutput.PgOutputMessage.Prepare;
import dev.pgcdc.pgoutput.PgOutputMessage.Relation;
import dev.pgcdc.pgoutput.PgOutputMessage.RollbackPrepared;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamAbort;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamCommit;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamStart;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamStop;
import dev.pgcdc.pgoutput.PgOutputMessage.Truncate;
import dev.pgcdc.pgoutput.PgOutputMessage.Type;
import dev.pgcdc.pgoutput.PgOutputMessage.Unknown;
import dev.pgcdc.pgoutput.PgOutputMessage.Update;

/**
 * A decoder of PostgreSQL's {@code pgoutput} logical replication messages: the payload of one
 * XLogData message, as returned by a replication stream's {@code read()}, turned into a
 * {@link PgOutputMessage}.
 *
 * <p>A decoder is stateful and not thread-safe: it tracks whether it is inside a streamed transaction
 * block (where change messages carry an xid) and caches {@link Relation} messages by OID, so every
 * message of one replication connection must go through the same decoder, in order. Tuple values
 * are not copied: a decoded {@link TupleData} points into the buffer's backing array (or into a
 * private copy when the buffer has no accessible array), so that array must not be reused while the
 * message is still being processed.
 *
 * @author pgcdc
 */
public final class PgOutputDecoder {

	/** Seconds from the Unix epoch to the PostgreSQL epoch, 2000-01-01T00:00:00Z. */
	private static final long PG_EPOCH_SECOND = 946_684_800L;

	private static final long MICROS_PER_SECOND = 1_000_000L;

	private static final String PG_CATALOG = "pg_catalog";

	private static final StreamStop STREAM_STOP = new StreamStop();

	private final int protoVersion;

	private final RelationCache relations = new RelationCache();

	private boolean inStream;

	// The message being decoded is held in fields rather than a cursor object so that decoding
	// allocates nothing besides the result; the decoder is single-threaded anyway.
	private byte[] data;

	private int start;

	private int pos;

	private int limit;

	private byte type;

	/**
	 * Create a decoder for the given protocol version.
	 * @param protoVersion the {@code proto_version} the replication was started with, 1 to 4
	 * @throws IllegalArgumentException if the version is not supported
	 */
	public PgOutputDecoder(int protoVersion) {
		if (protoVersion < 1 || protoVersion > 4) {
			throw new IllegalArgumentException("Unsupported pgoutput protocol version " + protoVersion
					+ " (supported: 1 to 4)");
		}
		this.protoVersion = protoVersion;
	}

	/**
	 * Return the protocol version this decoder was created for.
	 * @return the protocol version, 1 to 4
	 */
	public int protoVersion() {
		return this.protoVersion;
	}

	/**
	 * Return whether the last decoded messages were inside a streamed transaction block, between a
	 * {@link StreamStart} and a {@link StreamStop}.
	 * @return {@code true} inside a stream block
	 */
	public boolean inStream() {
		return this.inStream;
	}

	/**
	 * Return the latest {@link Relation} message decoded for a table.
	 * @param oid the table OID
	 * @return the relation, or {@code null} if none was decoded yet
	 */
	public Relation relation(int oid) {
		return this.relations.get(oid);
	}

	/**
	 * Decode one message that was received inside a stream block (between a {@link StreamStart} and a
	 * {@link StreamStop}) and is read again later, such as a change of a streamed transaction replayed at
	 * its commit: it carries the xid of its (sub)transaction whatever this decoder's current state.
	 * @param buffer the XLogData payload as received
	 * @return the decoded message
	 * @throws IllegalArgumentException if the message is empty, truncated or malformed
	 */
	public PgOutputMessage decodeStreamed(ByteBuffer buffer) {
		boolean wasInStream = this.inStream;
		this.inStream = true;
		try {
			return decode(buffer);
		}
		finally {
			this.inStream = wasInStream;
		}
	}

	/**
	 * Decode one message. The bytes from the buffer's position to its limit are the message; the
	 * buffer's position is left unchanged.
	 * @param buffer the XLogData payload
	 * @return the decoded message, an {@link Unknown} for a message type this decoder does not know
	 * @throws IllegalArgumentException if the message is empty, truncated or malformed
	 */
	public PgOutputMessage decode(ByteBuffer buffer) {
		int length = buffer.remaining();
		if (length == 0) {
			throw new IllegalArgumentException("Empty pgoutput message");
		}
		if (buffer.hasArray()) {
			this.data = buffer.array();
			this.start = buffer.arrayOffset() + buffer.position();
		}
		else {
			// Direct and read-only buffers expose no array; TupleData needs one, so take a copy.
			byte[] copy = new byte[length];
			buffer.get(buffer.position(), copy);
			this.data = copy;
			this.start = 0;
		}
		this.limit = this.start + length;
		this.type = this.data[this.start];
		this.pos = this.start + 1;
		try {
			return decodeMessage();
		}
		finally {
			// Do not keep the caller's buffer reachable between messages.
			this.data = null;
		}
	}

	private PgOutputMessage decodeMessage() {
		return switch (this.type) {
			case 'B' -> new Begin(readInt64(), readTimestamp(), readXid());
			case 'C' -> new Commit(readUInt8(), readInt64(), readInt64(), readTimestamp());
			case 'O' -> new Origin(readInt64(), readString());
			case 'R' -> decodeRelation();
			case 'Y' -> new Type(readStreamXid(), readInt32(), namespace(readString()), readString());
			case 'I' -> decodeInsert();
			case 'U' -> decodeUpdate();
			case 'D' -> decodeDelete();
			case 'T' -> decodeTruncate();
			case 'M' -> decodeMessageMessage();
			case 'S' -> decodeStreamStart();
			case 'E' -> decodeStreamStop();
			case 'c' -> new StreamCommit(readXid(), readUInt8(), readInt64(), readInt64(), readTimestamp());
			case 'A' -> decodeStreamAbort();
			case 'b' -> new BeginPrepare(readInt64(), readInt64(), readTimestamp(), readXid(), readString());
			case 'P' -> decodePrepare(false);
			case 'p' -> decodePrepare(true);
			case 'K' -> new CommitPrepared(readUInt8(), readInt64(), readInt64(), readTimestamp(), readXid(),
					readString());
			case 'r' -> new RollbackPrepared(readUInt8(), readInt64(), readInt64(), readTimestamp(),
					readTimestamp(), readXid(), readString());
			default -> new Unknown(this.type, this.limit - this.pos);
		};
	}

	private Relation decodeRelation() {
		long xid = readStreamXid();
		int oid = readInt32();
		String namespace = namespace(readString());
		String name = readString();
		char replicaIdentity = (char) readUInt8();
		int count = readUInt16();
		// Each column takes at least 10 bytes; checking first keeps a corrupt count from allocating.
		require(count * 10L);
		Column[] columns = new Column[count];
		for (int i = 0; i < count; i++) {
			int flags = readUInt8();
			String columnName = readString();
			int typeOid = readInt32();
			int typeModifier = readInt32();
			columns[i] = new Column((flags & 1) != 0, columnName, typeOid, typeModifier);
		}
		Relation relation = new Relation(xid, oid, namespace, name, replicaIdentity, List.of(columns));
		this.relations.put(oid, relation);
		return relation;
	}

	private Insert decodeInsert() {
		long xid = readStreamXid();
		int relationOid = readInt32();
		expectTupleKind('N', readUInt8());
		return new Insert(xid, relationOid, readTuple());
	}

	private Update decodeUpdate() {
		long xid = readStreamXid();
		int relationOid = readInt32();
		int kind = readUInt8();
		char oldKind = 0;
		TupleData oldTuple = null;
		if (kind == 'K' || kind == 'O') {
			oldKind = (char) kind;
			oldTuple = readTuple();
			kind = readUInt8();
		}
		expectTupleKind('N', kind);
		return new Update(xid, relationOid, oldKind, oldTuple, readTuple());
	}

	private Delete decodeDelete() {
		long xid = readStreamXid();
		int relationOid = readInt32();
		int kind = readUInt8();
		if (kind != 'K' && kind != 'O') {
			throw malformed("expected 'K' or 'O' before the old tuple but found " + describe(kind));
		}
		return new Delete(xid, relationOid, (char) kind, readTuple());
	}

	private Truncate decodeTruncate() {
		long xid = readStreamXid();
		int count = readInt32();
		int options = readUInt8();
		if (count < 0) {
			throw malformed("negative relation count " + count);
		}
		require(count * 4L);
		int[] oids = new int[count];
		for (int i = 0; i < count; i++) {
			oids[i] = readInt32();
		}
		return new Truncate(xid, options, oids);
	}

	private Message decodeMessageMessage() {
		long xid = readStreamXid();
		int flags = readUInt8();
		long lsn = readInt64();
		String prefix = readString();
		int length = readLength();
		byte[] content = Arrays.copyOfRange(this.data, this.pos, this.pos + length);
		this.pos += length;
		return new Message(xid, flags, lsn, prefix, content);
	}

	private StreamStart decodeStreamStart() {
		StreamStart start = new StreamStart(readXid(), readUInt8() == 1);
		// Not gated on the protocol version: the server only streams with version 2 or later, so a
		// StreamStart is itself proof that the following changes carry an xid.
		this.inStream = true;
		return start;
	}

	private StreamStop decodeStreamStop() {
		this.inStream = false;
		return STREAM_STOP;
	}

	private StreamAbort decodeStreamAbort() {
		long xid = readXid();
		long subXid = readXid();
		// Protocol 4 adds the abort LSN and time only with streaming = parallel, so their presence
		// is told by the message length rather than by the version alone.
		if (this.protoVersion >= 4 && this.pos < this.limit) {
			return new StreamAbort(xid, subXid, readInt64(), readTimestamp());
		}
		return new StreamAbort(xid, subXid, 0L, null);
	}

	private Prepare decodePrepare(boolean streamed) {
		return new Prepare(readUInt8(), readInt64(), readInt64(), readTimestamp(), readXid(), readString(),
				streamed);
	}

	private TupleData readTuple() {
		int count = readUInt16();
		// Each column takes at least its kind byte; checking first keeps a corrupt count from allocating.
		require(count);
		// the hottest loop of the decoder (every column of every row): locals, and the fields only set
		// where a check fails, so that the messages say where
		byte[] b = this.data;
		int limit = this.limit;
		int p = this.pos;
		int[] columns = new int[3 * count];
		for (int i = 0; i < count; i++) {
			if (p >= limit) {
				this.pos = p;
				require(1);
			}
			int kind = b[p++] & 0xFF;
			if (kind == TupleData.TEXT || kind == TupleData.BINARY) {
				if (limit - p < 4) {
					this.pos = p;
					require(4);
				}
				int length = (b[p] << 24) | ((b[p + 1] & 0xFF) << 16) | ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
				if (length < 0) {
					this.pos = p;
					throw malformed("negative length " + length);
				}
				p += 4;
				if (limit - p < length) {
					this.pos = p;
					require(length);
				}
				columns[3 * i + 1] = p;
				columns[3 * i + 2] = length;
				p += length;
			}
			else if (kind != TupleData.NULL && kind != TupleData.UNCHANGED_TOAST) {
				this.pos = p - 1;
				throw malformed("unknown kind " + describe(kind) + " for tuple column " + i);
			}
			columns[3 * i] = kind;
		}
		this.pos = p;
		return new TupleData(b, columns);
	}

	private void expectTupleKind(char expected, int actual) {
		if (actual != expected) {
			throw malformed("expected '" + expected + "' before the new tuple but found " + describe(actual));
		}
	}

	private long readStreamXid() {
		return this.inStream ? readXid() : 0L;
	}

	private long readXid() {
		return Integer.toUnsignedLong(readInt32());
	}

	private int readUInt8() {
		require(1);
		return this.data[this.pos++] & 0xFF;
	}

	private int readUInt16() {
		require(2);
		byte[] b = this.data;
		int p = this.pos;
		this.pos = p + 2;
		return ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
	}

	private int readInt32() {
		require(4);
		byte[] b = this.data;
		int p = this.pos;
		this.pos = p + 4;
		return (b[p] << 24) | ((b[p + 1] & 0xFF) << 16) | ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
	}

	private long readInt64() {
		require(8);
		byte[] b = this.data;
		int p = this.pos;
		this.pos = p + 8;
		long high = (b[p] << 24) | ((b[p + 1] & 0xFF) << 16) | ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
		long low = ((b[p + 4] & 0xFF) << 24) | ((b[p + 5] & 0xFF) << 16) | ((b[p + 6] & 0xFF) << 8) | (b[p + 7] & 0xFF);
		return (high << 32) | (low & 0xFFFFFFFFL);
	}

	private Instant readTimestamp() {
		return toInstant(readInt64());
	}

	private int readLength() {
		int length = readInt32();
		if (length < 0) {
			this.pos -= 4;
			throw malformed("negative length " + length);
		}
		require(length);
		return length;
	}

	private String readString() {
		byte[] b = this.data;
		int end = this.pos;
		while (end < this.limit && b[end] != 0) {
			end++;
		}
		if (end == this.limit) {
			throw new IllegalArgumentException(
					prefix() + "string not NUL-terminated (" + (this.limit - this.pos) + " bytes left)");
		}
		String value = (end == this.pos) ? "" : new String(b, this.pos, end - this.pos, StandardCharsets.UTF_8);
		this.pos = end + 1;
		return value;
	}

	private static String namespace(String name) {
		// pgoutput sends pg_catalog as an empty string to save bytes; both Relation and Type do.
		return name.isEmpty() ? PG_CATALOG : name;
	}

	private void require(long bytes) {
		if (this.limit - this.pos < bytes) {
			throw new IllegalArgumentException(prefix() + "need " + bytes + " more bytes but only "
					+ (this.limit - this.pos) + " left");
		}
	}

	private IllegalArgumentException malformed(String detail) {
		return new IllegalArgumentException("Malformed pgoutput message '" + (char) (this.type & 0xFF)
				+ "' at offset " + (this.pos - this.start) + ": " + detail);
	}

	private String prefix() {
		return "Truncated pgoutput message '" + (char) (this.type & 0xFF) + "' at offset "
				+ (this.pos - this.start) + ": ";
	}

	private static String describe(int b) {
		return (b >= 0x20 && b < 0x7F) ? "'" + (char) b + "'" : "byte 0x" + Integer.toHexString(b);
	}

	/**
	 * Convert a protocol timestamp to an {@link Instant}, keeping its microsecond precision.
	 * @param micros microseconds since 2000-01-01T00:00:00Z, the PostgreSQL epoch
	 * @return the instant
	 */
	public static Instant toInstant(long micros) {
		long seconds = Math.floorDiv(micros, MICROS_PER_SECOND);
		long nanos = Math.floorMod(micros, MICROS_PER_SECOND) * 1_000L;
		return Instant.ofEpochSecond(seconds + PG_EPOCH_SECOND, nanos);
	}

}
