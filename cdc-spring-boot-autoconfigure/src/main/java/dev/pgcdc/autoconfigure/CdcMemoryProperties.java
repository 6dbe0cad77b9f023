package dev.pgcdc.autoconfigure;

import java.nio.file.Path;

import org.springframework.util.unit.DataSize;

/**
 * The memory budget of {@code cdc.memory}: one limit in bytes on everything that holds changes (the
 * queue between reading and delivery, the in-memory part of open transactions, listener worker queues,
 * sink queues). Past it, transactions spill to disk and queues make reading wait, so a huge transaction
 * or a sink that is down for minutes never runs the heap out.
 *
 * @author pgcdc
 */
public class CdcMemoryProperties {

	/**
	 * Most heap all buffers of changes may take together. Unset: a quarter of the JVM's maximum heap, at
	 * least 16MB. Open transactions keep at most half of it in memory and spill the rest.
	 */
	private DataSize maxBytes;

	/**
	 * Directory for the files of transactions larger than memory allows. Unset: the JVM's temporary
	 * directory. Files are unlinked as soon as they are open, so nothing is left behind.
	 */
	private Path spillDirectory;

	public DataSize getMaxBytes() {
		return this.maxBytes;
	}

	public void setMaxBytes(DataSize maxBytes) {
		this.maxBytes = maxBytes;
	}

	public Path getSpillDirectory() {
		return this.spillDirectory;
	}

	public void setSpillDirectory(Path spillDirectory) {
		this.spillDirectory = spillDirectory;
	}

}
