package dev.pgcdc.replication;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.ValueConverter;
import dev.pgcdc.pgoutput.PgOutputMessage.Begin;
import dev.pgcdc.pgoutput.PgOutputMessage.Delete;
import dev.pgcdc.pgoutput.PgOutputMessage.Insert;
import dev.pgcdc.pgoutput.PgOutputMessage.Relation;
import dev.pgcdc.pgoutput.PgOutputMessage.Update;
import dev.pgcdc.pgoutput.TupleData;
import dev.pgcdc.replication.types.ValueDecoders;

/**
 * Turns decoded {@code pgoutput} row messages into {@link ChangeEvent}s, using the table shapes from
 * Relation messages and the commit data of the current transaction's Begin.
 *
 * <p>Used by the reader thread only; not thread-safe.
 *
 * @author pgcdc
 */
final class EventAssembler {

	private final ValueDecoders decoders;

	private final ValueConverter converter;

	private final Map<Integer, TableSchema> schemas = new HashMap<>();

	private long xid;

	private Lsn commitLsn = Lsn.ZERO;

	private Instant commitTime = Instant.EPOCH;

	private int lastOid;

	private TableSchema lastSchema;

	private final InternalTables internalTables;

	EventAssembler(ValueDecoders decoders, ValueConverter converter, InternalTables internalTables) {
		this.decoders = decoders;
		this.converter = converter;
		this.internalTables = internalTables;
	}

	void relation(Relation relation) {
		TableSchema schema = new TableSchema(relation, this.decoders);
		this.schemas.put(relation.oid(), schema.internal(this.internalTables.test(schema.table())));
		this.lastSchema = null;
	}

	void begin(Begin begin) {
		this.xid = begin.xid();
		this.commitLsn = new Lsn(begin.finalLsn());
		this.commitTime = begin.commitTime();
	}

	long xid() {
		return this.xid;
	}

	Lsn commitLsn() {
		return this.commitLsn;
	}

	Instant commitTime() {
		return this.commitTime;
	}

	/*
	 * Each of these returns null for pgcdc's own tables (dead letters, snapshot state): a FOR ALL TABLES
	 * publication captures them too, and a dead letter written while handling a change would come back.
	 */

	ChangeEvent insert(Insert insert, Lsn lsn) {
		TableSchema schema = schema(insert.relationOid());
		if (schema.isInternal()) {
			return null;
		}
		TupleRow after = new TupleRow(schema, insert.newTuple(), false, null, this.converter);
		return event(Operation.INSERT, schema, null, after, lsn);
	}

	ChangeEvent update(Update update, Lsn lsn) {
		TableSchema schema = schema(update.relationOid());
		if (schema.isInternal()) {
			return null;
		}
		TupleRow before = oldImage(schema, update.oldKind(), update.oldTuple());
		TupleRow fallback = (update.oldKind() == 'O') ? before : null;
		TupleRow after = new TupleRow(schema, update.newTuple(), false, fallback, this.converter);
		return event(Operation.UPDATE, schema, before, after, lsn);
	}

	ChangeEvent delete(Delete delete, Lsn lsn) {
		TableSchema schema = schema(delete.relationOid());
		if (schema.isInternal()) {
			return null;
		}
		TupleRow before = oldImage(schema, delete.oldKind(), delete.oldTuple());
		return event(Operation.DELETE, schema, before, null, lsn);
	}

	ChangeEvent truncate(int relationOid, Lsn lsn) {
		TableSchema schema = schema(relationOid);
		return schema.isInternal() ? null : event(Operation.TRUNCATE, schema, null, null, lsn);
	}

	private TupleRow oldImage(TableSchema schema, char kind, TupleData tuple) {
		if (tuple == null) {
			return null;
		}
		return new TupleRow(schema, tuple, kind == 'K', null, this.converter);
	}

	private ChangeEvent event(Operation operation, TableSchema schema, TupleRow before, TupleRow after, Lsn lsn) {
		return new ChangeEvent(operation, schema.table(), before, after, lsn, this.commitLsn, this.xid, this.commitTime);
	}

	private TableSchema schema(int relationOid) {
		// most runs of changes touch one table: skip the boxed map look-up then
		if (relationOid == this.lastOid && this.lastSchema != null) {
			return this.lastSchema;
		}
		TableSchema schema = this.schemas.get(relationOid);
		if (schema == null) {
			// the protocol always sends a Relation before the first change of a table on a connection
			throw new IllegalStateException("pgoutput sent a change for relation " + relationOid
					+ " before describing it; the stream is out of step and will be restarted");
		}
		this.lastOid = relationOid;
		this.lastSchema = schema;
		return schema;
	}

}
