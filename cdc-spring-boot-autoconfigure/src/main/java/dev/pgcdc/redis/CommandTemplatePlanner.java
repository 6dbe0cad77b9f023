package dev.pgcdc.redis;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableId;

/**
 * The command-template sink: turns each change of a mapped table into the commands its mapping lists for
 * the operation ({@code cdc.redis.mappings}).
 *
 * @author pgcdc
 */
final class CommandTemplatePlanner implements ChangePlanner {

	private static final String PREFIX = "cdc.redis.mappings.";

	private static final Operation[] MAPPED = { Operation.INSERT, Operation.UPDATE, Operation.DELETE,
			Operation.SNAPSHOT };

	private final Map<TableId, Map<Operation, List<MappedCommand>>> mappings;

	private CommandTemplatePlanner(Map<TableId, Map<Operation, List<MappedCommand>>> mappings) {
		this.mappings = mappings;
	}

	/**
	 * Compile the mappings, checking every template and condition against the tables.
	 * @param specs the configured mappings
	 * @param dataSource the captured database
	 * @param captured tells whether the publication captures a table
	 * @return the planner
	 * @throws IllegalStateException naming the mapping and the fix
	 */
	static CommandTemplatePlanner compile(List<TableMappingSpec> specs, DataSource dataSource,
			java.util.function.Predicate<TableId> captured) {
		Map<TableId, Map<Operation, List<MappedCommand>>> mappings = new HashMap<>();
		for (TableMappingSpec spec : specs) {
			TableId table = TableId.parse(spec.table());
			String prefix = PREFIX + spec.table();
			if (!captured.test(table)) {
				throw new IllegalStateException(prefix + " maps " + table + ", which is not captured: add it to "
						+ "cdc.publication.tables");
			}
			TableColumns columns = TableColumns.load(dataSource, table);
			if (columns == null) {
				throw new IllegalStateException(prefix + " maps " + table + ", which does not exist. Check the name "
						+ "(a bare name means schema public; write [sales.orders] for another schema)");
			}
			Map<Operation, List<MappedCommand>> byOperation = new EnumMap<>(Operation.class);
			for (Operation operation : MAPPED) {
				boolean inherited = operation == Operation.SNAPSHOT && !spec.commands().containsKey(Operation.SNAPSHOT);
				String listName = prefix + "." + CommandTemplate.operationName(inherited ? Operation.INSERT : operation);
				List<MappedCommand> commands = new ArrayList<>();
				List<CommandSpec> listed = spec.commandsFor(operation);
				for (int i = 0; i < listed.size(); i++) {
					CommandSpec command = listed.get(i);
					String origin = listName + "[" + i + "]";
					if (command == null || command.command() == null) {
						throw new IllegalStateException(origin + " has no command; write one such as "
								+ "\"HSET product:{id} {pairs:*}\"");
					}
					commands.add(new MappedCommand(CommandTemplate.parse(command.command(), origin, columns, operation),
							MappingCondition.parse(command.condition(), origin)));
				}
				if (!commands.isEmpty()) {
					byOperation.put(operation, List.copyOf(commands));
				}
			}
			mappings.put(table, byOperation);
		}
		return new CommandTemplatePlanner(Map.copyOf(mappings));
	}

	@Override
	public boolean handles(TableId table) {
		return this.mappings.containsKey(table);
	}

	@Override
	public void plan(ChangeEvent event, List<RedisCommand> commands) {
		Map<Operation, List<MappedCommand>> mapping = this.mappings.get(event.table());
		if (mapping == null) {
			return;
		}
		List<MappedCommand> mapped = mapping.get(event.operation());
		if (mapped == null) {
			return;
		}
		for (MappedCommand command : mapped) {
			if (command.condition() == null || command.condition().matches(event)) {
				commands.add(command.template().render(event));
			}
		}
	}

	/** Return the mapped tables. */
	java.util.Set<TableId> tables() {
		return this.mappings.keySet();
	}

	private record MappedCommand(CommandTemplate template, MappingCondition condition) {
	}

}
