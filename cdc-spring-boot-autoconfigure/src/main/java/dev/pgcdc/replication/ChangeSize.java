package dev.pgcdc.replication;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Row;

/**
 * Estimates the heap a change takes, for the {@link MemoryBudget}.
 *
 * <p>A change read from the stream holds its message bytes and, once a consumer asked for them, the
 * decoded values, which for text columns take about as much again; the estimate counts both, plus the
 * objects around them, so that it errs on the side of spilling early.
 *
 * @author pgcdc
 */
public final class ChangeSize {

	private static final int OVERHEAD = 192;

	private static final int PER_VALUE = 48;

	private ChangeSize() {
	}

	/**
	 * Estimate the heap one change takes.
	 * @param event the change
	 * @return the estimate in bytes
	 */
	public static long of(ChangeEvent event) {
		return OVERHEAD + of(event.before()) + ((event.after() != event.before()) ? of(event.after()) : 0);
	}

	/**
	 * Estimate the heap the changes of a transaction hold: for one collected by the engine only its
	 * in-memory part, the spilled rest takes no heap.
	 * @param changes the changes
	 * @return the estimate in bytes
	 */
	public static long of(java.util.List<ChangeEvent> changes) {
		if (changes instanceof PagedChanges paged) {
			return paged.memoryBytes();
		}
		if (changes instanceof FilteredChanges filtered) {
			return filtered.sourceBytes();
		}
		long bytes = 0;
		for (ChangeEvent change : changes) {
			bytes += of(change);
		}
		return bytes;
	}

	private static long of(Row row) {
		if (row == null) {
			return 0;
		}
		if (row instanceof TupleRow tuple) {
			return tuple.heapEstimate();
		}
		long bytes = 0;
		for (String column : row.columns()) {
			bytes += PER_VALUE + valueBytes(row.isUnchanged(column) ? null : row.get(column));
		}
		return bytes;
	}

	/** The estimate of a row still in its message: the bytes twice (decoded text takes as much again). */
	static long ofTuple(dev.pgcdc.pgoutput.TupleData tuple) {
		return 2L * tuple.buffer().length + (long) PER_VALUE * tuple.columnCount();
	}

	private static long valueBytes(Object value) {
		if (value instanceof CharSequence text) {
			return 2L * text.length();
		}
		if (value instanceof byte[] bytes) {
			return bytes.length;
		}
		if (value instanceof java.util.Collection<?> collection) {
			long bytes = 0;
			for (Object element : collection) {
				bytes += 16 + valueBytes(element);
			}
			return bytes;
		}
		return 16;
	}

}
