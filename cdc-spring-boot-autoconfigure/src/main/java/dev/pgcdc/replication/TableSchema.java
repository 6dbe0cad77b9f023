package dev.pgcdc.replication;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.pgcdc.event.TableId;
import dev.pgcdc.pgoutput.PgOutputMessage.Column;
import dev.pgcdc.pgoutput.PgOutputMessage.Relation;
import dev.pgcdc.replication.types.ValueDecoder;
import dev.pgcdc.replication.types.ValueDecoders;

/**
 * The shape of a captured table as the last Relation message described it: column names, positions,
 * key columns and the decoder for each column's type.
 *
 * <p>Built once per Relation message and shared by every row of that table until the next one.
 *
 * @author pgcdc
 */
final class TableSchema {

	private final TableId table;

	private final List<String> columns;

	private final Map<String, Integer> positions;

	private final ValueDecoder[] decoders;

	private final int[] typeOids;

	private final int[] typeModifiers;

	private final int[] keyPositions;

	private final List<String> keyColumns;

	private final Map<String, Integer> keyIndex;

	private boolean internal;

	TableSchema(Relation relation, ValueDecoders decoders) {
		this.table = new TableId(relation.namespace(), relation.name());
		int count = relation.columns().size();
		List<String> names = new ArrayList<>(count);
		this.positions = new HashMap<>(count * 2);
		this.decoders = new ValueDecoder[count];
		this.typeOids = new int[count];
		this.typeModifiers = new int[count];
		List<Integer> keys = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			Column column = relation.columns().get(i);
			names.add(column.name());
			this.positions.put(column.name(), i);
			this.decoders[i] = decoders.forType(column.typeOid());
			this.typeOids[i] = column.typeOid();
			this.typeModifiers[i] = column.typeModifier();
			if (column.key()) {
				keys.add(i);
			}
		}
		this.columns = Collections.unmodifiableList(names);
		this.keyPositions = keys.stream().mapToInt(Integer::intValue).toArray();
		List<String> keyNames = new ArrayList<>(this.keyPositions.length);
		this.keyIndex = new HashMap<>();
		for (int i = 0; i < this.keyPositions.length; i++) {
			keyNames.add(names.get(this.keyPositions[i]));
			this.keyIndex.put(names.get(this.keyPositions[i]), i);
		}
		this.keyColumns = Collections.unmodifiableList(keyNames);
	}

	/** Marks the table as one of pgcdc's own, whose changes are never delivered. */
	TableSchema internal(boolean internal) {
		this.internal = internal;
		return this;
	}

	boolean isInternal() {
		return this.internal;
	}

	TableId table() {
		return this.table;
	}

	List<String> columns() {
		return this.columns;
	}

	int indexOf(String column) {
		Integer index = this.positions.get(column);
		return (index != null) ? index : -1;
	}

	ValueDecoder decoder(int index) {
		return this.decoders[index];
	}

	/** The column's type OID as the Relation message gave it. */
	int typeOid(int index) {
		return this.typeOids[index];
	}

	/** The column's {@code atttypmod} as the Relation message gave it, -1 for none. */
	int typeModifier(int index) {
		return this.typeModifiers[index];
	}

	List<String> keyColumns() {
		return this.keyColumns;
	}

	int[] keyPositions() {
		return this.keyPositions;
	}

	int keyIndexOf(String column) {
		Integer index = this.keyIndex.get(column);
		return (index != null) ? index : -1;
	}

}
