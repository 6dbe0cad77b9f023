package dev.pgcdc.replication.types;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.pgcdc.event.PgRange;
import org.postgresql.util.PGobject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What pgjdbc's {@code ResultSet.getObject} gives for a value, converted to the contract's type the way a
 * caller would ask pgjdbc for it; where pgjdbc gives a bare {@code PGobject} (ranges, composites), the
 * typed equivalent is built from pgjdbc's {@code getObject} of the parts, asked for with SQL
 * ({@code lower(v)}, {@code (v).attribute}, {@code unnest(v)}).
 *
 * <p>Every value is named by an SQL expression that the connection evaluates, so that parts of parts
 * (an array of composites holding a range) are asked for the same way.
 */
final class GetObjectOracle {

	// typtype by type name; the oracle test has one database, so a name means one type throughout
	private static final Map<String, Character> KINDS = new ConcurrentHashMap<>();

	private final Connection connection;

	GetObjectOracle(Connection connection) {
		this.connection = connection;
	}

	/**
	 * Return the expected value of an SQL expression.
	 * @param expression an expression the connection can select, such as {@code (SELECT v FROM t1 WHERE id = 0)}
	 */
	Object value(String expression) throws SQLException {
		String typeName;
		char kind;
		try (Statement statement = this.connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT " + expression)) {
			assertTrue(rs.next());
			if (rs.getString(1) == null) {
				return null;
			}
			if (rs.getMetaData().getColumnType(1) == Types.ARRAY) {
				return array(expression);
			}
			typeName = rs.getMetaData().getColumnTypeName(1);
			kind = kind(typeName);
			if (kind != PgType.RANGE && kind != PgType.MULTIRANGE && kind != PgType.COMPOSITE) {
				return scalar(rs, 1);
			}
		}
		return switch (kind) {
			case PgType.RANGE -> range(expression);
			case PgType.MULTIRANGE -> multirange(expression);
			default -> composite(expression, typeName);
		};
	}

	private Object scalar(ResultSet rs, int column) throws SQLException {
		return switch (rs.getMetaData().getColumnTypeName(column)) {
			case "date" -> rs.getObject(column, LocalDate.class);
			case "time" -> rs.getObject(column, LocalTime.class);
			case "timetz" -> rs.getObject(column, OffsetTime.class);
			case "timestamp" -> rs.getObject(column, LocalDateTime.class);
			case "timestamptz" -> toUtc(rs.getObject(column, OffsetDateTime.class));
			case "int2", "int4", "int8", "oid", "float4", "float8", "numeric", "bool", "text", "varchar", "bpchar",
					"name", "char", "uuid", "bytea", "interval", "money", "point", "line", "lseg", "box", "path",
					"polygon", "circle", "hstore" ->
				rs.getObject(column);
			// bit(1) is a Boolean; longer bit strings and varbit are a PGobject holding the 0s and 1s
			case "bit", "varbit" -> (rs.getObject(column) instanceof PGobject bits) ? bits.getValue()
					: rs.getObject(column);
			default -> rs.getString(column);
		};
	}

	private static OffsetDateTime toUtc(OffsetDateTime value) {
		if (value == null || value.equals(OffsetDateTime.MAX) || value.equals(OffsetDateTime.MIN)) {
			return value;
		}
		return value.withOffsetSameInstant(ZoneOffset.UTC);
	}

	private PgRange<Object> range(String expression) throws SQLException {
		try (Statement statement = this.connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT isempty(x), lower_inc(x), upper_inc(x) FROM (SELECT "
						+ expression + " AS x) s")) {
			assertTrue(rs.next());
			if (rs.getBoolean(1)) {
				return PgRange.emptyRange();
			}
			return new PgRange<>(value("lower(" + expression + ")"), value("upper(" + expression + ")"),
					rs.getBoolean(2), rs.getBoolean(3), false);
		}
	}

	private List<Object> multirange(String expression) throws SQLException {
		int count = Integer.parseInt(query("SELECT count(*) FROM unnest(" + expression + ")"));
		List<Object> ranges = new ArrayList<>();
		for (int i = 1; i <= count; i++) {
			ranges.add(range("(SELECT u.r FROM unnest(" + expression + ") WITH ORDINALITY AS u(r, n) WHERE u.n = " + i
					+ ")"));
		}
		return ranges;
	}

	private Map<String, Object> composite(String expression, String typeName) throws SQLException {
		Map<String, Object> values = new LinkedHashMap<>();
		try (PreparedStatement statement = this.connection.prepareStatement("SELECT attname "
				+ "FROM pg_attribute WHERE attrelid = (SELECT typrelid FROM pg_type WHERE oid = ?::regtype) "
				+ "AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
			statement.setString(1, typeName);
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					values.put(rs.getString(1), null);
				}
			}
		}
		for (String attribute : List.copyOf(values.keySet())) {
			values.put(attribute, value("(" + expression + ").\"" + attribute.replace("\"", "\"\"") + "\""));
		}
		return values;
	}

	/**
	 * Build the expected list of an array value from the expected value of each element, shaped by
	 * {@code array_dims}.
	 *
	 * <p>Not {@code Array.getArray()}: for numeric arrays holding NaN it throws, for arrays of domains
	 * it gives {@code PGobject}s, and its {@code java.sql.Date}/{@code Time}/{@code Timestamp}
	 * elements cannot express infinity, BC years, 24:00 or a timetz offset.
	 */
	private Object array(String expression) throws SQLException {
		String dims = query("SELECT array_dims(" + expression + ")");
		List<Object> elements = new ArrayList<>();
		// unnest in the select list, not in FROM, where it would split composite elements into columns
		boolean structured;
		try (Statement statement = this.connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT unnest(" + expression + ")")) {
			char kind = kind(rs.getMetaData().getColumnTypeName(1));
			structured = kind == PgType.RANGE || kind == PgType.MULTIRANGE || kind == PgType.COMPOSITE;
			while (rs.next()) {
				elements.add(structured ? null : scalar(rs, 1));
			}
		}
		if (structured) {
			for (int i = 0; i < elements.size(); i++) {
				elements.set(i, value("(SELECT e FROM (SELECT unnest(" + expression + ") AS e) s OFFSET " + i
						+ " LIMIT 1)"));
			}
		}
		if (dims == null) {
			return List.of();
		}
		List<Integer> lengths = new ArrayList<>();
		Matcher matcher = Pattern.compile("\\[(-?\\d+):(-?\\d+)]").matcher(dims);
		while (matcher.find()) {
			lengths.add(Integer.parseInt(matcher.group(2)) - Integer.parseInt(matcher.group(1)) + 1);
		}
		int[] position = { 0 };
		Object shaped = shape(elements, lengths, 0, position);
		assertThat(position[0]).isEqualTo(elements.size());
		return shaped;
	}

	private static List<Object> shape(List<Object> elements, List<Integer> lengths, int dimension, int[] position) {
		List<Object> list = new ArrayList<>();
		for (int i = 0; i < lengths.get(dimension); i++) {
			list.add((dimension + 1 < lengths.size()) ? shape(elements, lengths, dimension + 1, position)
					: elements.get(position[0]++));
		}
		return list;
	}

	private char kind(String typeName) throws SQLException {
		Character kind = KINDS.get(typeName);
		if (kind == null) {
			kind = query("SELECT typtype FROM pg_type WHERE oid = " + quote(typeName) + "::regtype").charAt(0);
			KINDS.put(typeName, kind);
		}
		return kind;
	}

	private String query(String sql) throws SQLException {
		try (Statement statement = this.connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
			assertTrue(rs.next());
			return rs.getString(1);
		}
	}

	private static String quote(String literal) {
		return "'" + literal.replace("'", "''") + "'";
	}

}
