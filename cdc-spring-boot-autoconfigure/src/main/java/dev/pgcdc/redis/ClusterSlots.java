package dev.pgcdc.redis;

import java.nio.charset.StandardCharsets;

import dev.pgcdc.event.Lsn;
import io.lettuce.core.cluster.SlotHash;

/**
 * Hash slots for the Redis Cluster path: the slot of a command (all its keys must share one, as Redis
 * requires of a multi-key command) and, for the exactly-once fence, one hash tag per slot, so that the
 * fence of slot {@code s} is a key of slot {@code s}: {@code cdc:fence:orders:{a3f}}.
 *
 * @author pgcdc
 */
final class ClusterSlots {

	static final int SLOTS = SlotHash.SLOT_COUNT;

	/** The shortest base-36 text that hashes to each slot, found once. */
	private static final String[] TAGS = tags();

	private ClusterSlots() {
	}

	/**
	 * Return the hash slot of a command's keys.
	 * @param command the command
	 * @return the slot
	 * @throws IllegalStateException if the command's keys are in different slots
	 */
	static int slot(RedisCommand command) {
		byte[][] args = command.args();
		int slot = SlotHash.getSlot(args[0]);
		// PUBLISH names a channel, which any node takes; MSET and DEL take several keys, all others one
		int step = "MSET".equals(command.name()) ? 2 : "DEL".equals(command.name()) ? 1 : args.length;
		for (int i = step; i < args.length; i += step) {
			if (SlotHash.getSlot(args[i]) != slot) {
				throw new IllegalStateException(command.name() + " of " + command.origin() + " names keys of different "
						+ "Redis Cluster hash slots (" + new String(args[0], StandardCharsets.UTF_8) + ", "
						+ new String(args[i], StandardCharsets.UTF_8) + "); give them one hash tag, written {{...}} in "
						+ "a template: user:{{{id}}}:name and user:{{{id}}}:email");
			}
		}
		return slot;
	}

	/**
	 * Return the fence key of one slot.
	 * @param base the configured fence key
	 * @param slot the slot
	 * @return {@code base:{tag}} where the tag hashes to the slot
	 */
	static String fenceKey(String base, int slot) {
		return base + ":{" + TAGS[slot] + "}";
	}

	/**
	 * Check that a fence key leaves room for the per-slot hash tag.
	 * @param base the configured fence key, its {@code {slot}} replaced
	 * @throws IllegalStateException if it has a hash tag of its own
	 */
	static void checkFenceBase(String base) {
		int open = base.indexOf('{');
		int close = (open >= 0) ? base.indexOf('}', open + 1) : -1;
		if (close > open + 1) {
			throw new IllegalStateException("cdc.redis.write.fence-key " + base + " has a hash tag of its own, which "
					+ "would put every slot's fence in one slot of the Redis Cluster; remove the braces");
		}
	}

	/** Whether the fence a guard read is at or past a block's position, so that the block was applied before. */
	static boolean covered(String fence, byte[] position) {
		if (fence == null || position == null) {
			return false;
		}
		try {
			return Lsn.parse(new String(position, StandardCharsets.US_ASCII)).compareTo(Lsn.parse(fence)) <= 0;
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
	}

	private static String[] tags() {
		String[] tags = new String[SLOTS];
		int found = 0;
		for (int i = 0; found < SLOTS; i++) {
			String tag = Integer.toString(i, 36);
			int slot = SlotHash.getSlot(tag);
			if (tags[slot] == null) {
				tags[slot] = tag;
				found++;
			}
		}
		return tags;
	}

}
