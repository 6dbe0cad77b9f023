package dev.pgcdc.redis;

/**
 * One command of a table mapping as configured: a one-line template such as
 * {@code "HSET product:{id} {pairs:*}"} and an optional SpEL condition.
 *
 * <p>The template is checked against the table's columns when the sink is created, so a typo fails
 * start-up rather than the stream.
 *
 * @param command the command template, the command name first
 * @param condition a SpEL condition over {@code #op}, {@code #after} and {@code #before}, or {@code null}
 * @author pgcdc
 */
public record CommandSpec(String command, String condition) {

	/**
	 * Create a command without a condition.
	 * @param command the command template
	 * @return the spec
	 */
	public static CommandSpec of(String command) {
		return new CommandSpec(command, null);
	}

}
