package dev.pgcdc.replication;

import java.util.List;

import dev.pgcdc.event.AbstractRow;
import dev.pgcdc.event.ValueConverter;
import dev.pgcdc.pgoutput.TupleData;
import dev.pgcdc.replication.types.TextForm;

/**
 * A {@link dev.pgcdc.event.Row} over a decoded {@code pgoutput} tuple that turns column bytes into Java
 * values only when a value is asked for, so consumers that look at a few columns (or none) do not pay
 * for the rest.
 *
 * <p>Decoded values are cached; decoding is deterministic, so two threads racing to fill the same slot
 * store equal values. A key-only image exposes just the key columns. An unchanged TOAST value of a new
 * image is taken from the old image when the old image has it (REPLICA IDENTITY FULL).
 *
 * @author pgcdc
 */
final class TupleRow extends AbstractRow implements TypedRow {

	private final TableSchema schema;

	private final TupleData tuple;

	private final boolean keyOnly;

	private final TupleRow fallback;

	private Object[] values;

	/**
	 * The {@link ChangeSize} estimate, worked out here while the tuple is in this thread's cache rather
	 * than by the dispatcher for every listener.
	 */
	private final long heapEstimate;

	TupleRow(TableSchema schema, TupleData tuple, boolean keyOnly, TupleRow fallback, ValueConverter converter) {
		super(converter);
		this.schema = schema;
		this.tuple = tuple;
		this.keyOnly = keyOnly;
		this.fallback = fallback;
		this.heapEstimate = ChangeSize.ofTuple(tuple);
	}

	long heapEstimate() {
		return this.heapEstimate;
	}

	@Override
	public List<String> columns() {
		return this.keyOnly ? this.schema.keyColumns() : this.schema.columns();
	}

	@Override
	public List<String> keyColumns() {
		return this.schema.keyColumns();
	}

	@Override
	public int typeOid(String column) {
		int index = this.schema.indexOf(column);
		return (index >= 0) ? this.schema.typeOid(index) : 0;
	}

	@Override
	public int typeModifier(String column) {
		int index = this.schema.indexOf(column);
		return (index >= 0) ? this.schema.typeModifier(index) : -1;
	}

	@Override
	protected int indexOf(String column) {
		return this.keyOnly ? this.schema.keyIndexOf(column) : this.schema.indexOf(column);
	}

	@Override
	protected Object valueAt(int index) {
		int column = this.keyOnly ? this.schema.keyPositions()[index] : index;
		if (column >= this.tuple.columnCount()) {
			return null;
		}
		byte kind = this.tuple.kind(column);
		if (kind == TupleData.NULL) {
			return null;
		}
		if (kind == TupleData.UNCHANGED_TOAST) {
			return (this.fallback != null) ? this.fallback.valueAt(column) : null;
		}
		// null means "not decoded yet": a decoder never returns null for a value that was sent, and a
		// thread that sees another's half-published cache just decodes again
		Object[] cache = this.values;
		if (cache == null) {
			cache = new Object[this.tuple.columnCount()];
			this.values = cache;
		}
		Object value = cache[column];
		if (value == null) {
			value = this.schema.decoder(column)
				.decode(this.tuple.buffer(), this.tuple.offset(column), this.tuple.length(column));
			if (!(value instanceof byte[])) {
				cache[column] = value;
			}
		}
		return value;
	}

	@Override
	protected boolean isUnchangedAt(int index) {
		int column = this.keyOnly ? this.schema.keyPositions()[index] : index;
		if (column >= this.tuple.columnCount() || this.tuple.kind(column) != TupleData.UNCHANGED_TOAST) {
			return false;
		}
		return this.fallback == null || this.fallback.isUnchangedAt(column);
	}

	@Override
	protected String source() {
		return this.schema.table().toString();
	}

	@Override
	public int columnIndex(String column) {
		return indexOf(column);
	}

	@Override
	public boolean unchangedAt(int index) {
		return isUnchangedAt(index);
	}

	@Override
	public TextForm textForm(int index) {
		return TextForm.of(this.schema.decoder(this.keyOnly ? this.schema.keyPositions()[index] : index));
	}

	@Override
	public byte[] textBuffer() {
		return this.tuple.buffer();
	}

	@Override
	public int textOffset(int index) {
		return this.tuple.offset(this.keyOnly ? this.schema.keyPositions()[index] : index);
	}

	@Override
	public int textLength(int index) {
		int column = this.keyOnly ? this.schema.keyPositions()[index] : index;
		if (column >= this.tuple.columnCount() || this.tuple.kind(column) != TupleData.TEXT) {
			return -1;
		}
		return this.tuple.length(column);
	}

	/** Return the bytes the tuple holds, for queue accounting. */
	int size() {
		return this.tuple.buffer().length;
	}

	TableSchema schema() {
		return this.schema;
	}

	TupleData tuple() {
		return this.tuple;
	}

	boolean keyOnly() {
		return this.keyOnly;
	}

	/** Return the old image unchanged TOAST values are taken from, or {@code null}. */
	TupleRow fallback() {
		return this.fallback;
	}

}
