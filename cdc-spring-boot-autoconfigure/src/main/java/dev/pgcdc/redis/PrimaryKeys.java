package dev.pgcdc.redis;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.pgcdc.event.TableId;

/**
 * The primary key columns of captured tables, read from the catalog once per table, for Debezium keys: under
 * {@code REPLICA IDENTITY FULL} PostgreSQL marks every column as identity, where Debezium keys a change by the
 * primary key alone. For {@link ChangeEventJson#withPrimaryKeys}; thread-safe.
 *
 * @author pgcdc
 */
public final class PrimaryKeys implements Function<TableId, List<String>> {

	private static final Log logger = LogFactory.getLog(PrimaryKeys.class);

	private final DataSource dataSource;

	private final Map<TableId, List<String>> keys = new ConcurrentHashMap<>();

	/**
	 * Create a lookup over the captured database.
	 * @param dataSource the captured database
	 */
	public PrimaryKeys(DataSource dataSource) {
		this.dataSource = dataSource;
	}

	/**
	 * Return the key columns of a table.
	 * @param table the table
	 * @return the primary key (or replica identity index) columns, empty for none, or {@code null} when the
	 * catalog could not be read (the caller keeps the row's identity columns; the next change asks again)
	 */
	@Override
	public List<String> apply(TableId table) {
		List<String> found = this.keys.get(table);
		if (found != null) {
			return found;
		}
		try {
			TableColumns columns = TableColumns.load(this.dataSource, table);
			found = (columns != null) ? columns.keyColumns() : List.of();
			this.keys.put(table, found);
			return found;
		}
		catch (RuntimeException ex) {
			logger.warn("Could not read the primary key of " + table + " for a Debezium key; using the row's "
					+ "identity columns: " + ex.getMessage());
			return null;
		}
	}

}
