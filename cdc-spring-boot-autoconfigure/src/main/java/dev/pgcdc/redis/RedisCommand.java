package dev.pgcdc.redis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * One Redis command ready to send, with where it came from for error messages.
 *
 * @param name the command name, upper case
 * @param args the arguments, already rendered
 * @param origin the mapping or sink that produced it ({@code cdc.redis.mappings.products.insert[0]})
 * @author pgcdc
 */
record RedisCommand(String name, byte[][] args, String origin) {

	@Override
	public String toString() {
		return this.name + " " + Arrays.stream(this.args)
			.map((arg) -> abbreviate(new String(arg, StandardCharsets.UTF_8)))
			.collect(Collectors.joining(" ")) + " (" + this.origin + ")";
	}

	private static String abbreviate(String text) {
		return (text.length() > 60) ? text.substring(0, 57) + "..." : text;
	}

}
