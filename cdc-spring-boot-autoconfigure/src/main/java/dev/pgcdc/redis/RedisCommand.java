package dev.pgcdc.redis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * One Redis command ready to send, with where it came from for error messages.
 *
 * <p>The arguments are kept as Redis reads them ({@code $5\r\nhello\r\n} each, see {@link ArgumentBuffer}),
 * in one array the connection copies as a whole; {@link #args()} splits them again where a caller needs them
 * one by one (messages, tests).
 *
 * @author pgcdc
 */
final class RedisCommand {

	private final String name;

	private final byte[] encodedArgs;

	private final int argCount;

	private final String origin;

	/**
	 * Create a command from its arguments.
	 * @param name the command name, upper case
	 * @param args the arguments, already rendered
	 * @param origin the mapping or sink that produced it ({@code cdc.redis.mappings.products.insert[0]})
	 */
	RedisCommand(String name, byte[][] args, String origin) {
		this.name = name;
		ArgumentBuffer.Bytes encoded = new ArgumentBuffer.Bytes(64);
		for (byte[] arg : args) {
			ArgumentBuffer.encode(encoded, arg, 0, arg.length);
		}
		this.encodedArgs = Arrays.copyOf(encoded.bytes, encoded.size);
		this.argCount = args.length;
		this.origin = origin;
	}

	/**
	 * Create a command from arguments already encoded.
	 * @param name the command name, upper case
	 * @param encodedArgs the arguments as {@link ArgumentBuffer} writes them
	 * @param argCount how many there are
	 * @param origin the mapping or sink that produced it
	 */
	RedisCommand(String name, byte[] encodedArgs, int argCount, String origin) {
		this.name = name;
		this.encodedArgs = encodedArgs;
		this.argCount = argCount;
		this.origin = origin;
	}

	String name() {
		return this.name;
	}

	String origin() {
		return this.origin;
	}

	/** The arguments as sent: shared, never modify them. */
	byte[] encodedArgs() {
		return this.encodedArgs;
	}

	int argCount() {
		return this.argCount;
	}

	/**
	 * Return the arguments one by one.
	 * @return a new array of copies
	 */
	byte[][] args() {
		byte[][] args = new byte[this.argCount][];
		int position = 0;
		for (int i = 0; i < this.argCount; i++) {
			// $<length>\r\n<bytes>\r\n
			int length = 0;
			position++;
			while (this.encodedArgs[position] != '\r') {
				length = length * 10 + (this.encodedArgs[position++] - '0');
			}
			position += 2;
			args[i] = Arrays.copyOfRange(this.encodedArgs, position, position + length);
			position += length + 2;
		}
		return args;
	}

	@Override
	public String toString() {
		return this.name + " " + Arrays.stream(args())
			.map((arg) -> abbreviate(new String(arg, StandardCharsets.UTF_8)))
			.collect(Collectors.joining(" ")) + " (" + this.origin + ")";
	}

	private static String abbreviate(String text) {
		return (text.length() > 60) ? text.substring(0, 57) + "..." : text;
	}

}
