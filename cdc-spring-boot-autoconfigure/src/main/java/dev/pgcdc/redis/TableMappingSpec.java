package dev.pgcdc.redis;

import java.util.List;
import java.util.Map;

import dev.pgcdc.event.Operation;

/**
 * The commands one table's changes turn into, per operation, as configured under
 * {@code cdc.redis.mappings.<table>}.
 *
 * <p>{@link Operation#SNAPSHOT} rows use the {@link Operation#INSERT} commands unless the mapping has its
 * own snapshot list.
 *
 * @param table the table, a bare name meaning schema {@code public}
 * @param commands the commands per operation, in the order they are applied
 * @author pgcdc
 */
public record TableMappingSpec(String table, Map<Operation, List<CommandSpec>> commands) {

	public TableMappingSpec {
		commands = Map.copyOf(commands);
	}

	/**
	 * Return the commands for an operation, snapshot rows falling back to the insert commands.
	 * @param operation the operation
	 * @return the commands, empty when none are configured
	 */
	public List<CommandSpec> commandsFor(Operation operation) {
		List<CommandSpec> found = this.commands.get(operation);
		if (found == null && operation == Operation.SNAPSHOT) {
			found = this.commands.get(Operation.INSERT);
		}
		return (found != null) ? found : List.of();
	}

}
