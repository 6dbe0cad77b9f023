package dev.pgcdc.replication;

import java.util.AbstractList;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Predicate;

import dev.pgcdc.event.ChangeEvent;

/**
 * A read-only view of the changes of a transaction that a predicate keeps (a listener's tables, operations
 * and condition; a sink's tables), evaluated change by change while the source is iterated, so that a
 * transaction spilled to disk is never pulled into the heap to be filtered.
 *
 * <p>The predicate runs once per change, on the first call that needs it; one bit per change remembers the
 * answer. When every change is kept, {@link #of} hands back the source itself.
 *
 * @author pgcdc
 */
public final class FilteredChanges extends AbstractList<ChangeEvent> {

	private final List<ChangeEvent> source;

	private final BitSet kept;

	private final int size;

	// get(int) is cheap in ascending order: where the last lookup ended
	private int cursorIndex = -1;

	private int cursorSource = -1;

	private Iterator<ChangeEvent> cursor;

	private FilteredChanges(List<ChangeEvent> source, BitSet kept, int size) {
		this.source = source;
		this.kept = kept;
		this.size = size;
	}

	/**
	 * Return the changes of {@code source} that {@code predicate} keeps.
	 * @param source the changes, in order
	 * @param predicate what to keep; evaluated once per change, on the caller's thread
	 * @return the source itself when every change is kept, else a view
	 */
	public static List<ChangeEvent> of(List<ChangeEvent> source, Predicate<ChangeEvent> predicate) {
		BitSet kept = new BitSet();
		int index = 0;
		int size = 0;
		for (ChangeEvent change : source) {
			if (predicate.test(change)) {
				kept.set(index);
				size++;
			}
			index++;
		}
		if (size == index) {
			return source;
		}
		return new FilteredChanges(source, kept, size);
	}

	/** The heap the source holds, which this view keeps reachable. */
	long sourceBytes() {
		return ChangeSize.of(this.source);
	}

	@Override
	public int size() {
		return this.size;
	}

	@Override
	public synchronized ChangeEvent get(int index) {
		if (index < 0 || index >= this.size) {
			throw new IndexOutOfBoundsException("Index " + index + " out of bounds for length " + this.size);
		}
		if (this.cursor == null || index <= this.cursorIndex) {
			this.cursor = this.source.iterator();
			this.cursorIndex = -1;
			this.cursorSource = -1;
		}
		ChangeEvent found = null;
		while (this.cursorIndex < index) {
			found = this.cursor.next();
			this.cursorSource++;
			if (this.kept.get(this.cursorSource)) {
				this.cursorIndex++;
			}
		}
		return found;
	}

	@Override
	public Iterator<ChangeEvent> iterator() {
		Iterator<ChangeEvent> changes = this.source.iterator();
		return new Iterator<>() {

			private int sourceIndex = -1;

			private int returned;

			@Override
			public boolean hasNext() {
				return this.returned < FilteredChanges.this.size;
			}

			@Override
			public ChangeEvent next() {
				if (!hasNext()) {
					throw new NoSuchElementException();
				}
				while (true) {
					ChangeEvent change = changes.next();
					this.sourceIndex++;
					if (FilteredChanges.this.kept.get(this.sourceIndex)) {
						this.returned++;
						return change;
					}
				}
			}

		};
	}

}
