package dev.pgcdc.replication.types;

import java.sql.Array;
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
 * in the types that one depends on (a domain's base type, an array's element type, a range's subtype, a
 * composite's attribute types, recursively), so
 * that resolving a decoder for it needs no further round trip. A failed query throws
 * {@link IllegalStateException} rather than guessing a type.
 *
 * @author pgcdc
 */
public final class JdbcTypeLookup implements TypeLookup {

	// Walks from the wanted OID through everything a decoder needs (a domain's base type, an array's element,
	// a range's subtype, a multirange's range, a composite's attribute types) so that domains over domains
	// over arrays of enums come back in one round trip; the depth bound only guards against a corrupt catalog.
	private static final String QUERY = """
			WITH RECURSIVE wanted(oid, depth) AS (
			    SELECT CAST(? AS pg_catalog.oid), 0
			  UNION
			    SELECT related.oid, wanted.depth + 1
			    FROM wanted
			    JOIN pg_catalog.pg_type t ON t.oid = wanted.oid
			    CROSS JOIN LATERAL (
			        SELECT t.typbasetype UNION ALL SELECT t.typelem
			        UNION ALL SELECT r.rngsubtype FROM pg_catalog.pg_range r WHERE r.rngtypid = t.oid
			        UNION ALL SELECT r.rngtypid FROM pg_catalog.pg_range r WHERE r.rngmultitypid = t.oid
			        UNION ALL SELECT a.atttypid FROM pg_catalog.pg_attribute a
			                  WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
			    ) AS related(oid)
			    WHERE related.oid <> 0 AND wanted.depth < 16
			)
			SELECT t.oid, n.nspname, t.typname, t.typtype, t.typbasetype,
			       CASE WHEN t.typinput = 'pg_catalog.array_in'::pg_catalog.regproc THEN t.typelem ELSE 0 END,
			       COALESCE(e.typdelim, t.typdelim),
			       COALESCE((SELECT r.rngsubtype FROM pg_catalog.pg_range r WHERE r.rngtypid = t.oid),
			                (SELECT r.rngtypid FROM pg_catalog.pg_range r WHERE r.rngmultitypid = t.oid), 0),
			       ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
			             WHERE a.attrelid = t.typrelid AND t.typtype = 'c' AND a.attnum > 0 AND NOT a.attisdropped
			             ORDER BY a.attnum),
			       ARRAY(SELECT a.atttypid::int8 FROM pg_catalog.pg_attribute a
			             WHERE a.attrelid = t.typrelid AND t.typtype = 'c' AND a.attnum > 0 AND NOT a.attisdropped
			             ORDER BY a.attnum)
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
							(int) rs.getLong(5), (int) rs.getLong(6), firstChar(rs.getString(7)), (int) rs.getLong(8),
							attributes(rs.getArray(9), rs.getArray(10))));
				}
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not look up PostgreSQL type with OID " + Integer.toUnsignedString(oid),
					ex);
		}
		return types;
	}

	private static List<PgType.Attribute> attributes(Array names, Array typeOids) throws SQLException {
		String[] attributeNames = (String[]) names.getArray();
		Long[] attributeTypes = (Long[]) typeOids.getArray();
		List<PgType.Attribute> attributes = new ArrayList<>(attributeNames.length);
		for (int i = 0; i < attributeNames.length; i++) {
			attributes.add(new PgType.Attribute(attributeNames[i], attributeTypes[i].intValue()));
		}
		return attributes;
	}

	private static char firstChar(String value) {
		return (value == null || value.isEmpty()) ? '\0' : value.charAt(0);
	}

}
