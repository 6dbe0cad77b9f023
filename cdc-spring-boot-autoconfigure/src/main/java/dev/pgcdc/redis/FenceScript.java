package dev.pgcdc.redis;

import java.nio.charset.StandardCharsets;

/**
 * The guard that makes the exactly-once fence a compare-and-set: sent after {@code WATCH fence} and before
 * the transaction's {@code MULTI}, it reads the fence and, when the transaction's position is at or below
 * it, rewrites the fence with its own value. Rewriting a watched key, even by the watching connection and
 * even to the same value, makes Redis discard the whole block at {@code EXEC}: a transaction already
 * covered by the fence therefore has no effect, whoever moved the fence and whenever.
 *
 * <p>The block itself ends with {@code SET fence position}. Between {@code WATCH} and {@code EXEC} nobody
 * else can move the fence without discarding the block too, so a block that runs always finds the fence
 * below its position and moves it forward: the fence never goes backwards, and a late writer (an instance
 * that lost the slot with transactions still queued) can neither apply an older transaction again nor
 * undo a newer one's position. A fence Redis cannot read as a position (another type, another text)
 * discards the block as well and answers an error, which stops the sink instead of guessing.
 *
 * <p>Positions are compared as the two hexadecimal halves of {@code 16/B374D848}, the form
 * {@link dev.pgcdc.event.Lsn#toString()} writes, each small enough for Lua's numbers.
 *
 * @author pgcdc
 */
final class FenceScript {

	static final String SOURCE = """
			local function parse(text)
			  local high, low = string.match(text, '^(%x+)/(%x+)$')
			  if not high then return nil end
			  return tonumber(high, 16), tonumber(low, 16)
			end
			local stored = redis.pcall('GET', KEYS[1])
			if type(stored) == 'table' and stored.err then
			  redis.call('PEXPIRE', KEYS[1], 86400000)
			  redis.call('PERSIST', KEYS[1])
			  return redis.error_reply('pgcdc fence ' .. KEYS[1] .. ': ' .. stored.err)
			end
			if not stored then return false end
			local sh, sl = parse(stored)
			if not sh then
			  redis.call('SET', KEYS[1], stored)
			  return redis.error_reply('pgcdc fence ' .. KEYS[1] .. ' holds "' .. string.sub(stored, 1, 40)
			    .. '", which is not a position such as 0/16B3748')
			end
			local ph, pl = parse(ARGV[1])
			if sh > ph or (sh == ph and sl >= pl) then
			  redis.call('SET', KEYS[1], stored)
			end
			return stored
			""";

	private static final byte[] SOURCE_BYTES = SOURCE.getBytes(StandardCharsets.UTF_8);

	private static final byte[] ONE_KEY = { '1' };

	private FenceScript() {
	}

	/**
	 * Return the arguments of the {@code EVAL} that guards one block.
	 * @param fenceKey the fence key
	 * @param position the block's commit position, as {@link dev.pgcdc.event.Lsn#toString()} writes it
	 * @return the arguments after {@code EVAL}
	 */
	static byte[][] evalArgs(byte[] fenceKey, byte[] position) {
		return new byte[][] { SOURCE_BYTES, ONE_KEY, fenceKey, position };
	}

}
