package dev.pgcdc.pgoutput;

import dev.pgcdc.pgoutput.PgOutputMessage.Relation;

/**
 * An open-addressing map from OID to relation: relations are looked up for every change, and a
 * {@code HashMap<Integer, ...>} would box OIDs, which are mostly above the Integer cache.
 *
 * @author pgcdc
 */
final class RelationCache {

	private int[] keys = new int[16];

	private Relation[] values = new Relation[16];

	private int size;

	Relation get(int oid) {
		int mask = this.keys.length - 1;
		for (int i = slot(oid, mask);; i = (i + 1) & mask) {
			Relation value = this.values[i];
			if (value == null || this.keys[i] == oid) {
				return value;
			}
		}
	}

	void put(int oid, Relation relation) {
		if ((this.size + 1) * 2 > this.keys.length) {
			grow();
		}
		if (insert(this.keys, this.values, oid, relation)) {
			this.size++;
		}
	}

	private void grow() {
		int[] oldKeys = this.keys;
		Relation[] oldValues = this.values;
		int[] newKeys = new int[oldKeys.length * 2];
		Relation[] newValues = new Relation[oldValues.length * 2];
		for (int i = 0; i < oldKeys.length; i++) {
			if (oldValues[i] != null) {
				insert(newKeys, newValues, oldKeys[i], oldValues[i]);
			}
		}
		this.keys = newKeys;
		this.values = newValues;
	}

	private static boolean insert(int[] keys, Relation[] values, int oid, Relation relation) {
		int mask = keys.length - 1;
		for (int i = slot(oid, mask);; i = (i + 1) & mask) {
			if (values[i] == null) {
				keys[i] = oid;
				values[i] = relation;
				return true;
			}
			if (keys[i] == oid) {
				values[i] = relation;
				return false;
			}
		}
	}

	private static int slot(int oid, int mask) {
		// OIDs are often consecutive; spreading them avoids long probe runs.
		int h = oid * 0x9E3779B9;
		return (h ^ (h >>> 16)) & mask;
	}

}
