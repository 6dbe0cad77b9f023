package dev.pgcdc.redis;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The hash slots of the Redis Cluster path: one fence key per slot that hashes to that slot, the slot of a
 * command, and the messages for keys Redis Cluster cannot take in one command.
 */
class ClusterSlotsTests {

	@Test
	void everySlotHasAFenceKeyOfThatSlot() {
		Set<String> keys = new HashSet<>();
		for (int slot = 0; slot < ClusterSlots.SLOTS; slot++) {
			String key = ClusterSlots.fenceKey("cdc:fence:orders", slot);
			assertThat(SlotHash.getSlot(key)).as(key).isEqualTo(slot);
			keys.add(key);
		}
		assertThat(keys).hasSize(16_384);
		assertThat(ClusterSlots.fenceKey("cdc:fence:orders", 0)).startsWith("cdc:fence:orders:{");
	}

	@Test
	void aCommandGoesToTheSlotOfItsKeys() {
		assertThat(ClusterSlots.slot(command("HSET", "product:{42}", "name", "x")))
			.isEqualTo(SlotHash.getSlot("42"));
		assertThat(ClusterSlots.slot(command("MSET", "user:{7}:a", "1", "user:{7}:b", "2")))
			.isEqualTo(SlotHash.getSlot("7"));
		assertThat(ClusterSlots.slot(command("DEL", "user:{7}:a", "user:{7}:b"))).isEqualTo(SlotHash.getSlot("7"));
	}

	@Test
	void keysOfDifferentSlotsInOneCommandNameTheHashTagFix() {
		assertThatIllegalStateException().isThrownBy(() -> ClusterSlots.slot(command("MSET", "user:7:a", "1", "user:8:a", "2")))
			.withMessageContaining("MSET of cdc.redis.mappings.users.insert[0] names keys of different Redis Cluster "
					+ "hash slots (user:7:a, user:8:a)")
			.withMessageContaining("written {{...}} in a template: user:{{{id}}}:name");
		assertThatIllegalStateException().isThrownBy(() -> ClusterSlots.slot(command("DEL", "a", "b")))
			.withMessageContaining("DEL of");
	}

	@Test
	void aFenceKeyWithAHashTagOfItsOwnIsRefused() {
		assertThatIllegalStateException().isThrownBy(() -> ClusterSlots.checkFenceBase("cdc:{fence}:orders"))
			.withMessageContaining("cdc.redis.write.fence-key cdc:{fence}:orders has a hash tag of its own")
			.withMessageContaining("remove the braces");
		ClusterSlots.checkFenceBase("cdc:fence:orders");
		ClusterSlots.checkFenceBase("cdc:{}:orders");
	}

	@Test
	void aFenceAtOrPastThePositionCoversTheBlock() {
		byte[] position = "0/16B3748".getBytes(StandardCharsets.US_ASCII);
		assertThat(ClusterSlots.covered("0/16B3748", position)).isTrue();
		assertThat(ClusterSlots.covered("1/0", position)).isTrue();
		assertThat(ClusterSlots.covered("0/16B3747", position)).isFalse();
		assertThat(ClusterSlots.covered(null, position)).isFalse();
	}

	private static RedisCommand command(String name, String... args) {
		byte[][] bytes = new byte[args.length][];
		for (int i = 0; i < args.length; i++) {
			bytes[i] = args[i].getBytes(StandardCharsets.UTF_8);
		}
		return new RedisCommand(name, bytes, "cdc.redis.mappings.users.insert[0]");
	}

}
