package dev.pgcdc.redis;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The Redis commands a command template may use and how many arguments each takes: those that keep a read
 * model (strings, counters, hashes, sets, sorted sets, lists, streams) or publish, never reads or
 * administration.
 *
 * @author pgcdc
 */
final class TemplateCommands {

	private static final Map<String, Arity> COMMANDS = commands();

	private TemplateCommands() {
	}

	/**
	 * Return how many arguments a command takes.
	 * @param name the command name, upper case
	 * @return its arity, or {@code null} if templates do not support it
	 */
	static Arity arity(String name) {
		return COMMANDS.get(name);
	}

	/**
	 * Return the supported command names, sorted.
	 * @return the names
	 */
	static Set<String> names() {
		return COMMANDS.keySet();
	}

	private static Map<String, Arity> commands() {
		// sorted: the error message for an unsupported command lists them in this order
		Map<String, Arity> commands = new TreeMap<>();
		commands.put("SET", new Arity(2, -1, 0));
		commands.put("SETEX", new Arity(3, 3, 0));
		commands.put("MSET", new Arity(2, -1, 2));
		commands.put("INCR", new Arity(1, 1, 0));
		commands.put("DECR", new Arity(1, 1, 0));
		commands.put("INCRBY", new Arity(2, 2, 0));
		commands.put("DECRBY", new Arity(2, 2, 0));
		commands.put("APPEND", new Arity(2, 2, 0));
		commands.put("DEL", new Arity(1, -1, 0));
		commands.put("EXPIRE", new Arity(2, 3, 0));
		commands.put("HSET", new Arity(3, -1, 1));
		commands.put("HINCRBY", new Arity(3, 3, 0));
		commands.put("HDEL", new Arity(2, -1, 0));
		commands.put("SADD", new Arity(2, -1, 0));
		commands.put("SREM", new Arity(2, -1, 0));
		commands.put("ZADD", new Arity(3, -1, 0));
		commands.put("ZINCRBY", new Arity(3, 3, 0));
		commands.put("ZREM", new Arity(2, -1, 0));
		// lists: a bounded "last N" read model (LREM + LPUSH + LTRIM replays to the same list)
		commands.put("LPUSH", new Arity(2, -1, 0));
		commands.put("RPUSH", new Arity(2, -1, 0));
		commands.put("LTRIM", new Arity(3, 3, 0));
		commands.put("LREM", new Arity(3, 3, 0));
		commands.put("XADD", new Arity(4, -1, 0));
		commands.put("XDEL", new Arity(2, -1, 0));
		commands.put("PUBLISH", new Arity(2, 2, 0));
		return Collections.unmodifiableMap(commands);
	}

	/**
	 * How many arguments a command takes.
	 * @param min the fewest
	 * @param max the most, -1 for no limit
	 * @param parity 0 for any count, 1 for odd, 2 for even
	 */
	record Arity(int min, int max, int parity) {

		void check(String name, int count, String origin) {
			boolean ok = count >= this.min && (this.max < 0 || count <= this.max)
					&& (this.parity == 0 || (this.parity == 1) == (count % 2 == 1));
			if (!ok) {
				String expected = (this.max == this.min) ? Integer.toString(this.min)
						: (this.max < 0) ? "at least " + this.min : this.min + " to " + this.max;
				if (this.parity != 0) {
					expected += (this.parity == 1) ? " (an odd number)" : " (an even number)";
				}
				throw new IllegalStateException(origin + ": " + name + " takes " + expected + " arguments but the "
						+ "template gives " + count);
			}
		}

	}

}
