package dev.pgcdc.replication;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.function.Consumer;

import dev.pgcdc.event.ChangeEvent;

/**
 * The changes of one transaction as a read-only list: a first part in memory, as far as the
 * {@link MemoryBudget} allows, and the rest in a {@link SpillFile}, read back page by page as the list
 * is iterated, so that no reader pulls the whole transaction into the heap.
 *
 * <p>The spill file's Cleaner is registered on this object: it becomes unreachable only when the list
 * and every iterator over it are. Changes are appended by one thread; other threads read once the
 * appending is over (the codec's reference tables are not guarded). Each iterator reads with a file
 * position of its own; {@link #get(int)} shares one cursor and is cheap only in ascending order.
 *
 * @author pgcdc
 */
final class PagedChanges extends AbstractList<ChangeEvent> {

	private static final Cleaner CLEANER = Cleaner.create();

	private final MemoryBudget budget;

	private final Path directory;

	private final List<ChangeEvent> memory = new ArrayList<>();

	private final SpillCodec codec = new SpillCodec();

	private int size;

	private long reservedBytes;

	private long memoryBytes;

	private long spilledBytes;

	private SpillFile spill;

	// the spilled index the shared cursor of get(int) reads next
	private int cursorIndex;

	private boolean closed;

	PagedChanges(MemoryBudget budget, Path directory) {
		this.budget = budget;
		this.directory = directory;
	}

	synchronized void append(ChangeEvent event) {
		Objects.requireNonNull(event, "event must not be null");
		if (this.closed) {
			throw new IllegalStateException("The transaction buffer is closed");
		}
		if (this.spill == null) {
			long bytes = ChangeSize.of(event);
			if (this.budget.tryReserve(bytes)) {
				this.reservedBytes += bytes;
				this.memoryBytes += bytes;
				this.memory.add(event);
				this.size++;
				return;
			}
			this.spill = SpillFile.create(this.directory);
			CLEANER.register(this, this.spill);
		}
		SpillOutput output = this.spill.output();
		output.startRecord();
		try {
			this.codec.write(event, output);
		}
		catch (RuntimeException | Error ex) {
			// leaves the file as it was, so the buffer stays usable if the caller goes on
			output.abandonRecord();
			throw ex;
		}
		try {
			this.spilledBytes += output.endRecord();
		}
		catch (IOException ex) {
			throw writeFailed(ex);
		}
		this.size++;
	}

	/** No more changes: flush what is buffered for the file. */
	synchronized void close() {
		if (this.closed) {
			return;
		}
		this.closed = true;
		if (this.spill != null) {
			flush();
			this.spill.finishWriting();
		}
	}

	/** The changes are handled: give the memory they held back to the budget (the list stays readable). */
	synchronized void releaseMemory() {
		this.budget.releaseSpillable(this.reservedBytes);
		this.reservedBytes = 0;
	}

	/** The estimated heap of the in-memory part, whether or not it is still reserved. */
	synchronized long memoryBytes() {
		return this.memoryBytes;
	}

	synchronized int inMemory() {
		return this.memory.size();
	}

	synchronized long spilledBytes() {
		return this.spilledBytes;
	}

	synchronized Path spillFile() {
		return (this.spill != null) ? this.spill.path() : null;
	}

	@Override
	public synchronized int size() {
		return this.size;
	}

	@Override
	public synchronized ChangeEvent get(int index) {
		Objects.checkIndex(index, this.size);
		if (index < this.memory.size()) {
			return this.memory.get(index);
		}
		try {
			return readSpilled(index - this.memory.size());
		}
		finally {
			Reference.reachabilityFence(this);
		}
	}

	private ChangeEvent readSpilled(int spilledIndex) {
		flush();
		try {
			SpillInput cursor = this.spill.cursor();
			if (spilledIndex < this.cursorIndex) {
				cursor.rewind();
				this.cursorIndex = 0;
			}
			for (; this.cursorIndex < spilledIndex; this.cursorIndex++) {
				cursor.skipRecord();
			}
			ChangeEvent event = this.codec.read(cursor);
			this.cursorIndex++;
			return event;
		}
		catch (RuntimeException ex) {
			// the cursor may be mid-record; the next get starts afresh
			this.spill.resetCursor();
			this.cursorIndex = 0;
			throw ex;
		}
	}

	@Override
	public Iterator<ChangeEvent> iterator() {
		return new PagingIterator();
	}

	@Override
	public Spliterator<ChangeEvent> spliterator() {
		return new SequentialSpliterator(iterator(), size());
	}

	private void flush() {
		SpillOutput output = (this.spill != null) ? this.spill.output() : null;
		if (output != null) {
			try {
				output.flush();
			}
			catch (IOException ex) {
				throw writeFailed(ex);
			}
		}
	}

	private UncheckedIOException writeFailed(IOException ex) {
		return new UncheckedIOException("Could not write the transaction spill file in " + this.directory + " ("
				+ ex.getMessage() + "); nothing of this transaction is confirmed. Free space there, point "
				+ "cdc.memory.spill-directory at a volume with room, or raise cdc.memory.max-bytes", ex);
	}

	/** Reads the spilled part in one pass with a file position of its own, independent of get(int). */
	private final class PagingIterator implements Iterator<ChangeEvent> {

		private final int end;

		private final int inMemory;

		private int next;

		private SpillInput input;

		PagingIterator() {
			synchronized (PagedChanges.this) {
				this.end = PagedChanges.this.size;
				this.inMemory = PagedChanges.this.memory.size();
				if (this.end > this.inMemory) {
					flush();
				}
			}
		}

		@Override
		public boolean hasNext() {
			return this.next < this.end;
		}

		@Override
		public ChangeEvent next() {
			if (this.next >= this.end) {
				throw new NoSuchElementException();
			}
			if (this.next < this.inMemory) {
				return PagedChanges.this.memory.get(this.next++);
			}
			try {
				if (this.input == null) {
					this.input = PagedChanges.this.spill.newInput();
					for (int i = this.inMemory; i < this.next; i++) {
						this.input.skipRecord();
					}
				}
				ChangeEvent event = PagedChanges.this.codec.read(this.input);
				this.next++;
				if (this.next == this.end) {
					this.input = null;
				}
				return event;
			}
			catch (RuntimeException ex) {
				this.input = null;
				throw ex;
			}
			finally {
				Reference.reachabilityFence(PagedChanges.this);
			}
		}

	}

	/**
	 * Does not split: splitting would pull batches of changes into memory for a parallel stream, which
	 * is what the file is there to avoid.
	 */
	private static final class SequentialSpliterator implements Spliterator<ChangeEvent> {

		private final Iterator<ChangeEvent> iterator;

		private long remaining;

		SequentialSpliterator(Iterator<ChangeEvent> iterator, int size) {
			this.iterator = iterator;
			this.remaining = size;
		}

		@Override
		public boolean tryAdvance(Consumer<? super ChangeEvent> action) {
			if (!this.iterator.hasNext()) {
				return false;
			}
			action.accept(this.iterator.next());
			this.remaining--;
			return true;
		}

		@Override
		public Spliterator<ChangeEvent> trySplit() {
			return null;
		}

		@Override
		public long estimateSize() {
			return this.remaining;
		}

		@Override
		public int characteristics() {
			return ORDERED | SIZED | SUBSIZED | NONNULL | IMMUTABLE;
		}

	}

}
