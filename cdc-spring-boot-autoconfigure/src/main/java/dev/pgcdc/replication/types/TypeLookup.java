package dev.pgcdc.replication.types;

/**
 * Finds the {@link PgType} for a type OID.
 *
 * <p>Implementations may query the database on a miss, so call it when a relation is first seen
 * rather than per value.
 *
 * @author pgcdc
 * @see JdbcTypeLookup
 */
@FunctionalInterface
public interface TypeLookup {

	/**
	 * Return the type with the given OID.
	 * @param oid the type OID
	 * @return the type, or {@code null} if it is not known
	 */
	PgType find(int oid);

	/**
	 * Return a lookup that knows the common built-in types and their arrays and nothing else, for
	 * use where no database is at hand.
	 * @return a lookup of built-in types that never queries
	 */
	static TypeLookup builtIn() {
		return BuiltInTypes::find;
	}

}
