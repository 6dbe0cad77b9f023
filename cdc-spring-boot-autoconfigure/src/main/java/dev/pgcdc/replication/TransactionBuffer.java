package dev.pgcdc.replication;

import java.nio.file.Path;
import java.util.List;

import dev.pgcdc.event.ChangeEvent;

/**
 * Collects the changes of one transaction, once, for every consumer that wants whole transactions:
 * what the {@link MemoryBudget} allows stays in memory, the rest goes to a spill file and is read back
 * page by page whenever the list is iterated.
 *
 * <p>The list from {@link #changes()} outlives the buffer, because a consumer may keep the transaction:
 * {@link #close()} ends the appending, {@link #release()} gives its memory back to the budget once every
 * consumer has handled the transaction, and the spill file's space is freed once the list is unreachable.
 *
 * @author pgcdc
 */
public final class TransactionBuffer implements AutoCloseable {

	private final PagedChanges changes;

	/**
	 * Create an empty buffer.
	 * @param budget the memory its in-memory part is reserved from
	 * @param spillDirectory where to create the spill file, {@code null} for {@code java.io.tmpdir}
	 */
	public TransactionBuffer(MemoryBudget budget, Path spillDirectory) {
		Path directory = (spillDirectory != null) ? spillDirectory : Path.of(System.getProperty("java.io.tmpdir"));
		this.changes = new PagedChanges(budget, directory);
	}

	/**
	 * Append a change.
	 * @param event the next change of the transaction
	 * @throws IllegalStateException if the buffer was closed
	 * @throws IllegalArgumentException if a spilled row holds a value that cannot be serialized
	 * @throws java.io.UncheckedIOException if the spill file cannot be written (a full disk, say)
	 */
	public void add(ChangeEvent event) {
		this.changes.append(event);
	}

	/**
	 * Return the changes added so far, in order.
	 * @return an unmodifiable view that stays readable after {@link #close()} and {@link #release()}
	 */
	public List<ChangeEvent> changes() {
		return this.changes;
	}

	/**
	 * Stop accepting changes; the list stays readable.
	 */
	@Override
	public void close() {
		this.changes.close();
	}

	/**
	 * Give the memory of the changes held in memory back to the budget: every consumer is done with them.
	 */
	public void release() {
		this.changes.releaseMemory();
	}

	/** Return how many changes are held in memory. */
	int inMemory() {
		return this.changes.inMemory();
	}

	/** Return the bytes written to the spill file. */
	long spilledBytes() {
		return this.changes.spilledBytes();
	}

	/** Return the spill file's path (unlinked where the file system allows), or {@code null} if none. */
	Path spillFile() {
		return this.changes.spillFile();
	}

}
