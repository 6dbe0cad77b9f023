package dev.pgcdc.actuate;

/**
 * A risk the replication slot poses to the database server, with what to do about it. Shown by the
 * {@code cdc} endpoint and health indicator, and logged once when it appears.
 *
 * @author pgcdc
 */
public enum SlotWarning {

	/** {@code wal_status = lost}: the slot is invalidated. */
	WAL_LOST("Replication slot '%s' has lost WAL it still needed (wal_status 'lost'): the server removed it "
			+ "after the slot passed max_slot_wal_keep_size, so the changes since the slot's confirmed position "
			+ "are gone and the slot cannot be streamed any more. Drop the slot (SELECT "
			+ "pg_drop_replication_slot('%s')), let pgcdc create it again, and reload the captured tables "
			+ "(cdc.snapshot.mode=initial)."),

	/** {@code wal_status = unreserved}: the next checkpoint may invalidate the slot. */
	WAL_UNRESERVED("Replication slot '%s' is about to lose WAL it still needs (wal_status 'unreserved'): it "
			+ "retains more than max_slot_wal_keep_size, and the next checkpoint may remove that WAL and "
			+ "invalidate the slot, losing changes. Let the consumer catch up now (resume it if paused, fix or "
			+ "speed up slow listeners) or raise max_slot_wal_keep_size."),

	/** {@code wal_status = extended}: the slot holds WAL past {@code max_wal_size}. */
	WAL_EXTENDED("Replication slot '%s' retains more WAL than max_wal_size (wal_status 'extended'): the "
			+ "consumer is behind and the server keeps WAL files for it. Resume it if paused, look for a slow "
			+ "or failing listener (see /actuator/cdc), and drop the slot if the application is gone for good."),

	/** {@code max_slot_wal_keep_size = -1}: nothing bounds what the slot keeps. */
	UNBOUNDED_RETENTION("max_slot_wal_keep_size is -1 (unlimited): if this application stops consuming "
			+ "replication slot '%s', the server keeps all WAL written after it until its disk is full. Set "
			+ "max_slot_wal_keep_size (postgresql.conf, then SELECT pg_reload_conf()) to what the disk can "
			+ "spare, and alert on cdc.lag.bytes; past that limit the slot is invalidated instead of the server "
			+ "stopping.");

	private final String template;

	SlotWarning(String template) {
		this.template = template;
	}

	/**
	 * Return the warning as a sentence.
	 * @param slotName the slot it is about
	 * @return the text
	 */
	public String describe(String slotName) {
		return this.template.replace("%s", slotName);
	}

}
