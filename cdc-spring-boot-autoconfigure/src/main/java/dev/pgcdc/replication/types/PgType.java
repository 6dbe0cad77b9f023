package dev.pgcdc.replication.types;

import java.util.List;

/**
 * A PostgreSQL data type as described by {@code pg_type}, reduced to what value decoding needs.
 *
 * <p>Only real arrays (those read by {@code array_in}) have an {@link #elementOid() element type};
 * fixed-length types that the server lets you subscript, such as {@code point} or {@code name}, and
 * the {@code int2vector}/{@code oidvector} catalog types do not, since their text output is not an
 * array literal.
 *
 * @param oid the type OID, as the signed int the protocol carries (OIDs above 2^31 are negative)
 * @param namespace the schema of the type, {@code pg_catalog} for built-in types
 * @param name the type name ({@code typname}), e.g. {@code int4} or {@code _int4}
 * @param kind {@code typtype}: {@link #BASE}, {@link #DOMAIN}, {@link #ENUM}, {@link #COMPOSITE},
 * {@link #RANGE}, {@link #MULTIRANGE} or {@link #PSEUDO}
 * @param baseTypeOid for a domain, the type it is declared over (itself possibly a domain), else 0
 * @param elementOid for an array, the element type, else 0
 * @param delimiter the character between elements in array text ({@code typdelim}: {@code ;} for
 * {@code box}, {@code ,} for everything else); for an array type, that of its element type
 * @param subtypeOid for a range, the type of its bounds ({@code rngsubtype}); for a multirange, its range
 * type; else 0
 * @param attributes for a composite, its attributes in order (dropped ones left out); else empty
 * @author pgcdc
 */
public record PgType(int oid, String namespace, String name, char kind, int baseTypeOid, int elementOid,
		char delimiter, int subtypeOid, List<Attribute> attributes) {

	/** Kind of a base type. */
	public static final char BASE = 'b';

	/** Kind of a domain. */
	public static final char DOMAIN = 'd';

	/** Kind of an enum. */
	public static final char ENUM = 'e';

	/** Kind of a composite (row) type. */
	public static final char COMPOSITE = 'c';

	/** Kind of a range type. */
	public static final char RANGE = 'r';

	/** Kind of a multirange type. */
	public static final char MULTIRANGE = 'm';

	/** Kind of a pseudo-type. */
	public static final char PSEUDO = 'p';

	public PgType {
		attributes = (attributes != null) ? List.copyOf(attributes) : List.of();
	}

	/**
	 * Create a type that is neither a range, a multirange nor a composite.
	 * @param oid the type OID
	 * @param namespace the schema of the type
	 * @param name the type name
	 * @param kind {@code typtype}
	 * @param baseTypeOid for a domain, its base type, else 0
	 * @param elementOid for an array, its element type, else 0
	 * @param delimiter the array element delimiter
	 */
	public PgType(int oid, String namespace, String name, char kind, int baseTypeOid, int elementOid,
			char delimiter) {
		this(oid, namespace, name, kind, baseTypeOid, elementOid, delimiter, 0, List.of());
	}

	/**
	 * Return whether this type is a domain; its values are those of {@link #baseTypeOid()}.
	 * @return whether this is a domain
	 */
	public boolean isDomain() {
		return this.kind == DOMAIN;
	}

	/**
	 * Return whether this type is an array of {@link #elementOid()}.
	 * @return whether this is an array type
	 */
	public boolean isArray() {
		return this.elementOid != 0;
	}

	/**
	 * One attribute (field) of a composite type.
	 *
	 * @param name the attribute name
	 * @param typeOid the attribute's type OID
	 */
	public record Attribute(String name, int typeOid) {
	}

}
