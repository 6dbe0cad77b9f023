package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import dev.pgcdc.event.TableId;

/**
 * What the engine needs from a publication besides its table list: every operation published, and
 * partitioned tables published under the parent's name ({@code publish_via_partition_root}, PostgreSQL 13
 * and later), so that a listener naming the parent receives the changes of every partition, including
 * partitions created or attached while streaming.
 *
 * <p>A publication the engine manages is created or altered to match; one an administrator manages
 * ({@code cdc.publication.create=false}) is compared with the configuration, and a mismatch fails start-up
 * with the {@code ALTER PUBLICATION} statements to run.
 *
 * @author pgcdc
 */
final class PublicationCheck {

	private static final String ALL_OPERATIONS = "insert, update, delete, truncate";

	private PublicationCheck() {
	}

	/**
	 * Whether the captured tables include a partitioned table: one of the configured tables, or, for a
	 * publication of all tables, any partitioned table of the database.
	 */
	static boolean anyPartitioned(Connection connection, List<TableId> tables) throws SQLException {
		if (tables.isEmpty()) {
			return ReplicationSetup.queryString(connection, "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n "
					+ "ON n.oid = c.relnamespace WHERE c.relkind = 'p' AND NOT c.relispartition AND n.nspname NOT IN "
					+ "('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%')").equals("t");
		}
		for (TableId table : tables) {
			try (PreparedStatement statement = connection.prepareStatement("SELECT 1 FROM pg_class c JOIN pg_namespace n "
					+ "ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ? AND c.relkind = 'p'")) {
				statement.setString(1, table.schema());
				statement.setString(2, table.name());
				try (ResultSet rs = statement.executeQuery()) {
					if (rs.next()) {
						return true;
					}
				}
			}
		}
		return false;
	}

	/**
	 * The statement creating the publication. A publication of all tables always publishes via the root, so
	 * that a partitioned table created later is captured under its own name too.
	 */
	static String createSql(String name, List<TableId> tables, boolean partitioned) {
		String target = tables.isEmpty() ? " FOR ALL TABLES" : " FOR TABLE " + tableList(tables);
		boolean viaRoot = tables.isEmpty() || partitioned;
		return "CREATE PUBLICATION " + ReplicationSetup.quote(name) + target
				+ (viaRoot ? " WITH (publish_via_partition_root = true)" : "");
	}

	/**
	 * Read the publish flags of a publication.
	 * @return the flags, or {@code null} if there is no such publication
	 */
	static Flags flags(Connection connection, String name) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement("SELECT puballtables, pubinsert, pubupdate, "
				+ "pubdelete, pubtruncate, pubviaroot FROM pg_publication WHERE pubname = ?")) {
			statement.setString(1, name);
			try (ResultSet rs = statement.executeQuery()) {
				if (!rs.next()) {
					return null;
				}
				return new Flags(rs.getBoolean(1), rs.getBoolean(2) && rs.getBoolean(3) && rs.getBoolean(4)
						&& rs.getBoolean(5), rs.getBoolean(6));
			}
		}
	}

	/**
	 * The statements that give an existing publication the flags the engine relies on; empty when it has
	 * them.
	 */
	static List<String> alignFlags(String name, Flags flags, boolean partitioned) {
		List<String> statements = new ArrayList<>();
		String alter = "ALTER PUBLICATION " + ReplicationSetup.quote(name) + " SET (";
		if (!flags.allOperations()) {
			statements.add(alter + "publish = '" + ALL_OPERATIONS + "')");
		}
		if (!flags.viaRoot() && (partitioned || flags.allTables())) {
			statements.add(alter + "publish_via_partition_root = true)");
		}
		return statements;
	}

	/**
	 * The configured tables the publication does not cover. A partitioned table counts as covered when the
	 * publication lists it or its partitions.
	 */
	static List<TableId> missingTables(Connection connection, String name, List<TableId> tables) throws SQLException {
		Set<TableId> published = new LinkedHashSet<>();
		try (PreparedStatement statement = connection.prepareStatement("SELECT rn.nspname, r.relname "
				+ "FROM pg_publication_tables p JOIN pg_namespace pn ON pn.nspname = p.schemaname "
				+ "JOIN pg_class pc ON pc.relnamespace = pn.oid AND pc.relname = p.tablename "
				+ "JOIN pg_class r ON r.oid = coalesce(pg_partition_root(pc.oid), pc.oid) "
				+ "JOIN pg_namespace rn ON rn.oid = r.relnamespace WHERE p.pubname = ?")) {
			statement.setString(1, name);
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					published.add(new TableId(rs.getString(1), rs.getString(2)));
				}
			}
		}
		return tables.stream().filter((table) -> !published.contains(table)).toList();
	}

	/**
	 * Compare a publication an administrator manages with the configuration.
	 * @throws ReplicationSetupException naming the statements to run when it does not match
	 */
	static void checkUnmanaged(Connection connection, String name, List<TableId> tables, Flags flags,
			boolean partitioned) throws SQLException {
		List<String> fixes = new ArrayList<>();
		List<String> problems = new ArrayList<>();
		if (!tables.isEmpty() && !flags.allTables()) {
			List<TableId> missing = missingTables(connection, name, tables);
			if (!missing.isEmpty()) {
				problems.add("it does not publish " + missing.stream().map(TableId::toString).collect(Collectors.joining(", "))
						+ " listed in cdc.publication.tables");
				fixes.add("ALTER PUBLICATION " + ReplicationSetup.quote(name) + " ADD TABLE " + tableList(missing));
			}
		}
		if (!flags.allOperations()) {
			problems.add("it does not publish every operation (insert, update, delete, truncate)");
		}
		if (!flags.viaRoot() && partitioned) {
			problems.add("it publishes partitioned tables under their partitions' names "
					+ "(publish_via_partition_root = false), so listeners naming the parent would receive nothing");
		}
		fixes.addAll(alignFlags(name, flags, partitioned));
		if (!problems.isEmpty()) {
			throw new ReplicationSetupException("Publication '" + name + "' does not match the configuration: "
					+ String.join("; ", problems) + ". With cdc.publication.create=false pgcdc does not change it: ask an "
					+ "administrator to run " + String.join("; ", fixes) + " (or set cdc.publication.create=true).");
		}
	}

	static String tableList(List<TableId> tables) {
		return tables.stream().map(TableId::toSql).collect(Collectors.joining(", "));
	}

	/**
	 * The flags of a publication that matter to the engine.
	 *
	 * @param allTables whether it is {@code FOR ALL TABLES}
	 * @param allOperations whether it publishes insert, update, delete and truncate
	 * @param viaRoot whether partitions are published under the partitioned table's name
	 */
	record Flags(boolean allTables, boolean allOperations, boolean viaRoot) {
	}

}
