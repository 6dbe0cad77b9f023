package dev.pgcdc.replication;

import java.util.List;
import java.util.function.Predicate;

import dev.pgcdc.event.TableId;

/**
 * pgcdc's own tables (dead letters, snapshot state), whose changes are never snapshotted or delivered:
 * a FOR ALL TABLES publication captures them too, and a dead letter written while handling a change would
 * otherwise come back as a change.
 *
 * <p>A bare name matches the table in any schema, a qualified one only in its schema.
 *
 * @author pgcdc
 */
final class InternalTables implements Predicate<TableId> {

	private final List<TableId> qualified;

	private final List<String> bare;

	InternalTables(List<String> names) {
		this.qualified = names.stream().filter((name) -> name.indexOf('.') >= 0).map(TableId::parse).toList();
		this.bare = names.stream().filter((name) -> name.indexOf('.') < 0).toList();
	}

	@Override
	public boolean test(TableId table) {
		return this.bare.contains(table.name()) || this.qualified.contains(table);
	}

}
