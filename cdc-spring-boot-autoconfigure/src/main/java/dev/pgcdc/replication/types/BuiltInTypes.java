package dev.pgcdc.replication.types;

import java.util.HashMap;
import java.util.Map;

/**
 * The built-in types whose OIDs are fixed in every PostgreSQL release this project supports (14 and
 * later), with their array types, so that ordinary tables need no catalog query.
 *
 * @author pgcdc
 */
final class BuiltInTypes {

	static final int BOOL = 16;

	static final int BYTEA = 17;

	static final int CHAR = 18;

	static final int NAME = 19;

	static final int INT8 = 20;

	static final int INT2 = 21;

	static final int INT4 = 23;

	static final int TEXT = 25;

	static final int OID = 26;

	static final int JSON = 114;

	static final int XML = 142;

	static final int FLOAT4 = 700;

	static final int FLOAT8 = 701;

	static final int BPCHAR = 1042;

	static final int VARCHAR = 1043;

	static final int DATE = 1082;

	static final int TIME = 1083;

	static final int TIMESTAMP = 1114;

	static final int TIMESTAMPTZ = 1184;

	static final int INTERVAL = 1186;

	static final int TIMETZ = 1266;

	static final int NUMERIC = 1700;

	static final int UUID = 2950;

	static final int JSONB = 3802;

	static final int POINT = 600;

	static final int LSEG = 601;

	static final int PATH = 602;

	static final int BOX = 603;

	static final int POLYGON = 604;

	static final int LINE = 628;

	static final int CIRCLE = 718;

	static final int MONEY = 790;

	static final int BIT = 1560;

	private static final String PG_CATALOG = "pg_catalog";

	private static final Map<Integer, PgType> TYPES = new HashMap<>();

	static {
		base(BOOL, "bool", 1000);
		base(BYTEA, "bytea", 1001);
		base(CHAR, "char", 1002);
		base(NAME, "name", 1003);
		base(INT8, "int8", 1016);
		base(INT2, "int2", 1005);
		base(INT4, "int4", 1007);
		base(TEXT, "text", 1009);
		base(OID, "oid", 1028);
		base(27, "tid", 1010);
		base(28, "xid", 1011);
		base(29, "cid", 1012);
		base(JSON, "json", 199);
		base(XML, "xml", 143);
		base(POINT, "point", 1017);
		base(LSEG, "lseg", 1018);
		base(PATH, "path", 1019);
		add(BOX, "box", PgType.BASE, 1020, ';');
		base(POLYGON, "polygon", 1027);
		base(LINE, "line", 629);
		base(650, "cidr", 651);
		base(FLOAT4, "float4", 1021);
		base(FLOAT8, "float8", 1022);
		base(CIRCLE, "circle", 719);
		base(774, "macaddr8", 775);
		base(MONEY, "money", 791);
		base(829, "macaddr", 1040);
		base(869, "inet", 1041);
		base(BPCHAR, "bpchar", 1014);
		base(VARCHAR, "varchar", 1015);
		base(DATE, "date", 1182);
		base(TIME, "time", 1183);
		base(TIMESTAMP, "timestamp", 1115);
		base(TIMESTAMPTZ, "timestamptz", 1185);
		base(INTERVAL, "interval", 1187);
		base(TIMETZ, "timetz", 1270);
		base(BIT, "bit", 1561);
		base(1562, "varbit", 1563);
		base(NUMERIC, "numeric", 1231);
		base(2205, "regclass", 2210);
		base(2206, "regtype", 2211);
		base(UUID, "uuid", 2951);
		base(3220, "pg_lsn", 3221);
		base(3614, "tsvector", 3643);
		base(3615, "tsquery", 3645);
		base(JSONB, "jsonb", 3807);
		range(3904, "int4range", 3905, INT4);
		range(3906, "numrange", 3907, NUMERIC);
		range(3908, "tsrange", 3909, TIMESTAMP);
		range(3910, "tstzrange", 3911, TIMESTAMPTZ);
		range(3912, "daterange", 3913, DATE);
		range(3926, "int8range", 3927, INT8);
		base(4072, "jsonpath", 4073);
		multirange(4451, "int4multirange", 6150, 3904);
		multirange(4532, "nummultirange", 6151, 3906);
		multirange(4533, "tsmultirange", 6152, 3908);
		multirange(4534, "tstzmultirange", 6153, 3910);
		multirange(4535, "datemultirange", 6155, 3912);
		multirange(4536, "int8multirange", 6157, 3926);
		base(5069, "xid8", 271);
	}

	private BuiltInTypes() {
	}

	/**
	 * Return the built-in type with the given OID.
	 * @param oid the type OID
	 * @return the type, or {@code null} if it is not one of the built-in types listed here
	 */
	static PgType find(int oid) {
		return TYPES.get(oid);
	}

	/**
	 * Return every type listed here, scalar and array.
	 * @return the types by OID
	 */
	static Map<Integer, PgType> all() {
		return Map.copyOf(TYPES);
	}

	private static void base(int oid, String name, int arrayOid) {
		add(oid, name, PgType.BASE, arrayOid, ',');
	}

	private static void range(int oid, String name, int arrayOid, int subtypeOid) {
		add(oid, name, PgType.RANGE, arrayOid, ',', subtypeOid);
	}

	private static void multirange(int oid, String name, int arrayOid, int rangeOid) {
		add(oid, name, PgType.MULTIRANGE, arrayOid, ',', rangeOid);
	}

	private static void add(int oid, String name, char kind, int arrayOid, char delimiter) {
		add(oid, name, kind, arrayOid, delimiter, 0);
	}

	private static void add(int oid, String name, char kind, int arrayOid, char delimiter, int subtypeOid) {
		TYPES.put(oid, new PgType(oid, PG_CATALOG, name, kind, 0, 0, delimiter, subtypeOid, null));
		TYPES.put(arrayOid, new PgType(arrayOid, PG_CATALOG, "_" + name, PgType.BASE, 0, oid, delimiter));
	}

}
