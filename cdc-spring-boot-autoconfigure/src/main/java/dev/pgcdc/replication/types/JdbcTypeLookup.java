package dev.pgcdc.replication.types;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

/**
 * A {@link TypeLookup} that reads {@code pg_type} through a {@link DataSource} and remembers what it
 * read.
 *
 * <p>Built-in types are answered without a query. Any other OID costs one query, which also brings
 * in the types that one depends on (a domain's base type, an array's element type, recursively), so
 * that resolving a decoder for it needs no further round trip. A failed query throws
 * {@link IllegalStateException} rather than guessing a type.
 *
 * @author pgcdc
 */
public final class JdbcTypeLookup implements TypeLookup {

	// Walks from the wanted OID through typbasetype and typelem so domains over domains over arrays of
	// enums come back in one round trip; the depth bound only guards against a corrupt catalog.
	private static final String QUERY = """
			WITH RECURSIVE wanted(oid, depth) AS (
			    SELECT CAST(? AS pg_catalog.oid), 0
			  UNION
			    SELECT related.oid, wanted.depth + 1
			    FROM wanted
			    JOIN pg_catalog.pg_type t ON t.oid = wanted.oid
			    CROSS JOIN LATERAL (VALUES (t.typbasetype), (t.typelem)) AS related(oid)
			    WHERE related.oid <> 0 AND wanted.depth < 16
			)
			SELECT t.oid, n.nspname, t.typname, t.typtype, t.typbasetype,
			       CASE WHEN t.typinput = 'pg_catalog.array_in'::pg_catalog.regproc THEN t.typelem ELSE 0 END,
			       COALESCE(e.typdelim, t.typdelim)
			FROM pg_catalog.pg_type t
			JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
			LEFT JOIN pg_catalog.pg_type e
			       ON e.oid = t.typelem AND t.typinput = 'pg_catalog.array_in'::pg_catalog.regproc
			WHERE t.oid IN (SELECT oid FROM wanted)
			""";

	private final DataSource dataSource;

	private final Map<Integer, PgType> cache = new ConcurrentHashMap<>();

	/**
	 * Create a lookup that queries through the given data source.
	 * @param dataSource a data source for the database whose types are looked up (not a replication
	 * connection)
	 */
	public JdbcTypeLookup(DataSource dataSource) {
		this.dataSource = dataSource;
	}

	@Override
	public PgType find(int oid) {
		PgType type = BuiltInTypes.find(oid);
		if (type != null) {
			return type;
		}
		type = this.cache.get(oid);
		if (type != null) {
			return type;
		}
		// Not computeIfAbsent: a query must not run while holding a map bin lock, and two threads
		// querying the same OID at once merely both store the same answer.
		for (PgType loaded : load(oid)) {
			this.cache.put(loaded.oid(), loaded);
		}
		return this.cache.get(oid);
	}

	/**
	 * Query the type and the types it depends on, bypassing built-ins and cache.
	 * @param oid the type OID
	 * @return the types found, empty if there is no such type
	 */
	List<PgType> load(int oid) {
		List<PgType> types = new ArrayList<>();
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement(QUERY)) {
			statement.setLong(1, Integer.toUnsignedLong(oid));
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					types.add(new PgType((int) rs.getLong(1), rs.getString(2), rs.getString(3), firstChar(rs.getString(4)),
							(int) rs.getLong(5), (int) rs.getLong(6), firstChar(rs.getString(7))));
				}
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not look up PostgreSQL type with OID " + Integer.toUnsignedString(oid),
					ex);
		}
		return types;
	}

	private static char firstChar(String value) {
		return (value == null || value.isEmpty()) ? '\0' : value.charAt(0);
	}

}
