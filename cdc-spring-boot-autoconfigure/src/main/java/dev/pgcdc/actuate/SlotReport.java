package dev.pgcdc.actuate;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.pgcdc.event.Lsn;

/**
 * What the server says about the replication slot, read with one query: the slot's row of
 * {@code pg_replication_slots}, the server's current WAL position and {@code max_slot_wal_keep_size}.
 *
 * <p>When the server could not be asked, only {@link #slotName()}, {@link #error()} and
 * {@link #readAt()} are set. When it was asked but the slot does not exist, {@link #found()} is
 * {@code false} and only the server's values are set.
 *
 * @param slotName the slot asked about
 * @param found whether the slot exists
 * @param plugin its output plugin
 * @param active whether a connection streams it now
 * @param restartLsn the oldest WAL position the slot keeps
 * @param confirmedFlushLsn the position the consumer confirmed
 * @param walStatus {@code reserved}, {@code extended}, {@code unreserved} or {@code lost}
 * @param safeWalSizeBytes bytes that can still be written before the slot is invalidated, {@code null}
 * when {@code max_slot_wal_keep_size} is unlimited
 * @param serverLsn the server's current WAL write position
 * @param lagBytes WAL bytes from the confirmed position to the server's position
 * @param retainedWalBytes WAL bytes from the restart position to the server's position
 * @param maxSlotWalKeepSize the server's {@code max_slot_wal_keep_size} setting ({@code -1} is unlimited)
 * @param error why the server could not be asked, with no secret in it, or {@code null}
 * @param readAt when this was read
 * @author pgcdc
 */
public record SlotReport(String slotName, boolean found, String plugin, Boolean active, Lsn restartLsn,
		Lsn confirmedFlushLsn, String walStatus, Long safeWalSizeBytes, Lsn serverLsn, Long lagBytes,
		Long retainedWalBytes, String maxSlotWalKeepSize, String error, Instant readAt) {

	/**
	 * Return a report of a server that could not be asked.
	 * @param slotName the slot
	 * @param error why, with no secret in it
	 * @return the report
	 */
	public static SlotReport unavailable(String slotName, String error) {
		return new SlotReport(slotName, false, null, null, null, null, null, null, null, null, null, null, error,
				Instant.now());
	}

	/**
	 * Return whether the server answered.
	 * @return {@code true} unless the query failed
	 */
	public boolean available() {
		return this.error == null;
	}

	/**
	 * Return whether the slot has lost WAL it needed, so that streaming it cannot continue.
	 * @return whether {@code wal_status} is {@code lost}
	 */
	public boolean lost() {
		return "lost".equals(this.walStatus);
	}

	/**
	 * Return what an operator should know about this slot, most serious first.
	 * @return the warnings, empty when all is well
	 */
	public List<SlotWarning> warnings() {
		List<SlotWarning> warnings = new ArrayList<>();
		if (this.found && this.walStatus != null) {
			switch (this.walStatus) {
				case "lost" -> warnings.add(SlotWarning.WAL_LOST);
				case "unreserved" -> warnings.add(SlotWarning.WAL_UNRESERVED);
				case "extended" -> warnings.add(SlotWarning.WAL_EXTENDED);
				default -> {
				}
			}
		}
		if ("-1".equals(this.maxSlotWalKeepSize)) {
			warnings.add(SlotWarning.UNBOUNDED_RETENTION);
		}
		return warnings;
	}

	/**
	 * Return the {@link #warnings()} as sentences naming the slot.
	 * @return the warning texts
	 */
	public List<String> warningMessages() {
		return warnings().stream().map((warning) -> warning.describe(this.slotName)).toList();
	}

}
