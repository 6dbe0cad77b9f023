package dev.pgcdc.event;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A message written to the WAL with {@code pg_logical_emit_message(transactional, prefix, content)}.
 *
 * <p>A transactional message arrives with its transaction, after it commits; a non-transactional one
 * arrives as soon as it is written, whether or not the surrounding transaction commits.
 *
 * @author pgcdc
 */
public final class LogicalMessage {

	private final String prefix;

	private final byte[] content;

	private final boolean transactional;

	private final Lsn lsn;

	/**
	 * Create a message.
	 * @param prefix the prefix given to {@code pg_logical_emit_message}
	 * @param content the content bytes (copied)
	 * @param transactional whether it was emitted as part of a transaction
	 * @param lsn its position in the WAL
	 */
	public LogicalMessage(String prefix, byte[] content, boolean transactional, Lsn lsn) {
		this.prefix = Objects.requireNonNull(prefix, "prefix must not be null");
		this.content = content.clone();
		this.transactional = transactional;
		this.lsn = Objects.requireNonNull(lsn, "lsn must not be null");
	}

	public String prefix() {
		return this.prefix;
	}

	/**
	 * Return the content bytes.
	 * @return a copy of the content
	 */
	public byte[] content() {
		return this.content.clone();
	}

	/**
	 * Return the content read as UTF-8 text.
	 * @return the content as a string
	 */
	public String contentAsString() {
		return new String(this.content, StandardCharsets.UTF_8);
	}

	public boolean transactional() {
		return this.transactional;
	}

	public Lsn lsn() {
		return this.lsn;
	}

	@Override
	public String toString() {
		return "LogicalMessage{prefix=" + this.prefix + " transactional=" + this.transactional + " lsn=" + this.lsn
				+ " bytes=" + this.content.length + "}";
	}

}
