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

	/**
	 * The last table asked about and the answer: asked for every change, by every consumer, and runs of
	 * changes share one {@code TableId} instance. Racy reads are fine, the pair is immutable.
	 */
	private volatile Answer last = new Answer(null, false);

	@Override
	public boolean test(TableId table) {
		Answer answer = this.last;
		if (answer.table() == table) {
			return answer.internal();
		}
		boolean internal = this.bare.contains(table.name()) || this.qualified.contains(table);
		this.last = new Answer(table, internal);
		return internal;
	}

	private record Answer(TableId table, boolean internal) {
	}

}
