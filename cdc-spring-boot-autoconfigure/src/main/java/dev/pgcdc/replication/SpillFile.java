package dev.pgcdc.replication;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The file a transaction's changes go to once they no longer fit in memory, with the one writer and any
 * number of readers on it.
 *
 * <p>The file is unlinked as soon as it is open, so nothing is left behind whatever happens to the JVM:
 * its space is held only while the open channel is, which is until the transaction's change list is no
 * longer referenced (this object is also the Cleaner action that closes it, so it must not refer to
 * that list). Where the file system refuses to unlink an open file, it is deleted on close instead.
 *
 * @author pgcdc
 */
final class SpillFile implements Runnable {

	/** The name prefix of spill files, so that those of a crashed JVM can be removed at start. */
	static final String PREFIX = "pgcdc-tx-";

	/** How to fix a spill file that cannot be written, appended to every such error. */
	static final String FIX = "; set cdc.memory.spill-directory to a writable directory with room";

	private static final Log logger = LogFactory.getLog(SpillFile.class);

	private final Path file;

	private final FileChannel channel;

	private final boolean unlinked;

	private SpillOutput output;

	private SpillInput cursor;

	private SpillFile(Path file, FileChannel channel, boolean unlinked) {
		this.file = file;
		this.channel = channel;
		this.unlinked = unlinked;
		this.output = new SpillOutput(channel);
	}

	static SpillFile create(Path directory) {
		Path file;
		try {
			Files.createDirectories(directory);
			file = Files.createTempFile(directory, PREFIX, ".spill");
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not create a spill file in " + directory + " (" + ex.getMessage()
					+ ")" + FIX, ex);
		}
		FileChannel channel;
		try {
			channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
		}
		catch (IOException ex) {
			deleteQuietly(file);
			throw new UncheckedIOException("Could not open the spill file " + file, ex);
		}
		boolean unlinked = deleteQuietly(file);
		if (!unlinked) {
			file.toFile().deleteOnExit();
		}
		return new SpillFile(file, channel, unlinked);
	}

	/**
	 * Remove the spill files a JVM that died left behind (only where open files cannot be unlinked).
	 * @param directory the spill directory
	 */
	static void removeLeftovers(Path directory) {
		if (!Files.isDirectory(directory)) {
			return;
		}
		try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, PREFIX + "*.spill")) {
			for (Path leftover : files) {
				if (deleteQuietly(leftover)) {
					logger.info("Removed the leftover spill file " + leftover);
				}
			}
		}
		catch (IOException ex) {
			logger.debug("Could not list " + directory + " for leftover spill files", ex);
		}
	}

	Path path() {
		return this.file;
	}

	boolean unlinked() {
		return this.unlinked;
	}

	/** The open channel, for a writer of another format (see InProgressTransaction). */
	FileChannel channel() {
		return this.channel;
	}

	SpillOutput output() {
		return this.output;
	}

	/** A reader of its own, from the start of the file. */
	SpillInput newInput() {
		return new SpillInput(this.channel);
	}

	/** The reader {@code get(int)} shares, created on first use. */
	SpillInput cursor() {
		if (this.cursor == null) {
			this.cursor = newInput();
		}
		return this.cursor;
	}

	void resetCursor() {
		this.cursor = null;
	}

	/** No more writes: drops the write buffer; reading goes on. */
	void finishWriting() {
		this.output = null;
	}

	@Override
	public void run() {
		try {
			this.channel.close();
		}
		catch (IOException ex) {
			// only its space is at stake, and the OS reclaims it with the process
		}
		if (!this.unlinked) {
			deleteQuietly(this.file);
		}
	}

	private static boolean deleteQuietly(Path file) {
		try {
			Files.deleteIfExists(file);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

}
