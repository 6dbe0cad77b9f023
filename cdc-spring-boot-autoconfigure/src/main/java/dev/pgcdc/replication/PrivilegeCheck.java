package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import dev.pgcdc.event.TableId;

/**
 * The privileges of the connecting role, checked at start-up so that a missing one fails with the
 * statement that grants it rather than in the reconnect loop.
 *
 * <p>Managed services grant replication in their own ways: Amazon RDS and Aurora by membership of
 * {@code rds_replication} (or {@code rds_superuser}, which includes it), where the role's own REPLICATION
 * attribute stays false; Neon by membership of {@code neon_superuser}. Google Cloud SQL, Azure Database
 * for PostgreSQL, Supabase and self-managed servers use the REPLICATION attribute, set by their
 * administrator role ({@code cloudsqlsuperuser}, {@code azure_pg_admin}, {@code postgres}).
 *
 * @author pgcdc
 */
final class PrivilegeCheck {

	/** Roles whose membership grants replication on a managed service. */
	static final List<String> REPLICATION_ROLES = List.of("rds_replication", "rds_superuser", "neon_superuser");

	private PrivilegeCheck() {
	}

	/**
	 * Check that the connecting role may stream changes: a superuser, the REPLICATION attribute, or
	 * membership (direct or through other roles) of one of the {@link #REPLICATION_ROLES}.
	 * @throws ReplicationSetupException naming the statement to run, per provider
	 */
	static void checkReplication(Connection connection) throws SQLException {
		String roles = REPLICATION_ROLES.stream().map((role) -> "'" + role + "'").collect(Collectors.joining(", "));
		String sql = "SELECT current_user, r.rolreplication, r.rolsuper, EXISTS (SELECT 1 FROM pg_roles g "
				+ "WHERE g.rolname IN (" + roles + ") AND pg_has_role(r.oid, g.oid, 'MEMBER')) "
				+ "FROM pg_roles r WHERE r.rolname = current_user";
		try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
			if (rs.next() && !rs.getBoolean(2) && !rs.getBoolean(3) && !rs.getBoolean(4)) {
				String name = rs.getString(1);
				String role = ReplicationSetup.quote(name);
				throw new ReplicationSetupException("Role '" + name + "' may not stream changes: it has neither the "
						+ "REPLICATION attribute nor membership of rds_replication. Run ALTER ROLE " + role + " WITH REPLICATION "
						+ "(self-managed; Google Cloud SQL as a cloudsqlsuperuser such as postgres; Azure Database for "
						+ "PostgreSQL as an azure_pg_admin member; Supabase as postgres; Neon as a neon_superuser member), "
						+ "or GRANT rds_replication TO " + role + " (Amazon RDS and Aurora), or connect as another role with "
						+ "cdc.connection.username.");
			}
		}
	}

	/**
	 * Check that the connecting role may read every table a snapshot of the publication reads.
	 * @param skipped tables the snapshot does not read
	 * @param when what needs the tables read, for the message ("cdc.snapshot.mode=initial")
	 * @throws ReplicationSetupException naming the {@code GRANT SELECT} to run
	 */
	static void checkSnapshotReadable(Connection connection, String publication, Predicate<TableId> skipped, String when)
			throws SQLException {
		List<TableId> tables = ReplicationSetup.publishedTables(connection, publication).stream()
			.filter(skipped.negate())
			.toList();
		String problem = unreadable(connection, tables, when);
		if (problem != null) {
			throw new ReplicationSetupException(problem);
		}
	}

	/**
	 * Describe the tables the connecting role may not read, with the statement that lets it.
	 * @return the message, or {@code null} when every table is readable
	 */
	static String unreadable(Connection connection, List<TableId> tables, String when) throws SQLException {
		List<TableId> unreadable = new ArrayList<>();
		for (TableId table : tables) {
			try (PreparedStatement statement = connection
				.prepareStatement("SELECT has_table_privilege(?::regclass, 'SELECT')")) {
				statement.setString(1, table.toSql());
				try (ResultSet rs = statement.executeQuery()) {
					if (rs.next() && !rs.getBoolean(1)) {
						unreadable.add(table);
					}
				}
			}
		}
		if (unreadable.isEmpty()) {
			return null;
		}
		String name = ReplicationSetup.queryString(connection, "SELECT current_user");
		String role = ReplicationSetup.quote(name);
		return "Role '" + name + "' may not read " + unreadable.stream().map(TableId::toString).collect(Collectors.joining(", "))
				+ ", which " + when + " reads. Run GRANT SELECT ON " + PublicationCheck.tableList(unreadable) + " TO " + role
				+ " (as the tables' owner or an administrator), or connect as another role with cdc.connection.username.";
	}

}
