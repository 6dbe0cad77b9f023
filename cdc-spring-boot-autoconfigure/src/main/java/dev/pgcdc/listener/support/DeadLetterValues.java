package dev.pgcdc.listener.support;

import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.pgcdc.event.PgRange;
import org.postgresql.geometric.PGbox;
import org.postgresql.geometric.PGcircle;
import org.postgresql.geometric.PGline;
import org.postgresql.geometric.PGlseg;
import org.postgresql.geometric.PGpath;
import org.postgresql.geometric.PGpoint;
import org.postgresql.geometric.PGpolygon;
import org.postgresql.util.PGInterval;
import org.postgresql.util.PGobject;

import static dev.pgcdc.listener.support.DeadLetterJson.asObject;
import static dev.pgcdc.listener.support.DeadLetterJson.bool;
import static dev.pgcdc.listener.support.DeadLetterJson.string;

/**
 * Writes one column value of a dead letter as a tagged JSON member pair and reads it back as an equal
 * value of the same class, for {@link DeadLetterCodec}.
 *
 * <p>Every non-null value carries a tag naming its Java type by the PostgreSQL type it comes from:
 * {@code int4} Integer, {@code int8} Long, {@code float4} Float, {@code float8} Double, {@code numeric}
 * BigDecimal, {@code bool} Boolean, {@code text} String, {@code uuid} UUID, {@code bytea} byte[] (lowercase
 * hex), {@code date} LocalDate, {@code time} LocalTime, {@code timetz} OffsetTime, {@code timestamp}
 * LocalDateTime, {@code timestamptz} OffsetDateTime, {@code interval} PGInterval, {@code duration} Duration,
 * {@code point}, {@code line}, {@code lseg}, {@code box}, {@code path}, {@code polygon}, {@code circle}
 * pgjdbc's geometric classes (their own text form), {@code array} List (a JSON array of tagged elements,
 * {@code null} for null elements; multiranges too), {@code map} an ordered Map such as an hstore or a
 * composite (a JSON array of tagged values with a {@code name}, because {@code jsonb} does not keep the
 * order of object members) and {@code range} a {@link PgRange} ({@code {"empty": true}}, or tagged
 * {@code lower} and {@code upper} bounds, {@code "value": null} for an unbounded side, and the two
 * inclusive flags). Integers and booleans are JSON numbers and booleans; everything else is a string in
 * the type's own exact text form, because JSON numbers have no NaN or infinity and {@code jsonb} would
 * rewrite {@code 1E+3}. Values of other classes are stored as their {@code toString()} and come back as
 * {@code text}.
 *
 * @author pgcdc
 */
final class DeadLetterValues {

	private static final HexFormat HEX = HexFormat.of();

	// by exact class, because a subclass would not read back as itself
	private static final Map<Class<?>, String> TAGS = Map.ofEntries(Map.entry(Integer.class, "int4"),
			Map.entry(Long.class, "int8"), Map.entry(Boolean.class, "bool"), Map.entry(Float.class, "float4"),
			Map.entry(Double.class, "float8"), Map.entry(BigDecimal.class, "numeric"), Map.entry(UUID.class, "uuid"),
			Map.entry(byte[].class, "bytea"), Map.entry(LocalDate.class, "date"), Map.entry(LocalTime.class, "time"),
			Map.entry(OffsetTime.class, "timetz"), Map.entry(LocalDateTime.class, "timestamp"),
			Map.entry(OffsetDateTime.class, "timestamptz"), Map.entry(PGInterval.class, "interval"),
			Map.entry(Duration.class, "duration"), Map.entry(PGpoint.class, "point"), Map.entry(PGline.class, "line"),
			Map.entry(PGlseg.class, "lseg"), Map.entry(PGbox.class, "box"), Map.entry(PGpath.class, "path"),
			Map.entry(PGpolygon.class, "polygon"), Map.entry(PGcircle.class, "circle"));

	private DeadLetterValues() {
	}

	/**
	 * Append {@code "type":...,"value":...} (or just {@code "value":null}) without braces.
	 * @param out where to write
	 * @param value the value, or {@code null}
	 */
	static void append(StringBuilder out, Object value) {
		if (value == null) {
			out.append("\"value\":null");
		}
		else if (value instanceof List<?> list) {
			out.append("\"type\":\"array\",\"value\":[");
			for (int i = 0; i < list.size(); i++) {
				if (i > 0) {
					out.append(',');
				}
				Object element = list.get(i);
				if (element == null) {
					out.append("null");
				}
				else {
					out.append('{');
					append(out, element);
					out.append('}');
				}
			}
			out.append(']');
		}
		else if (value instanceof Map<?, ?> map) {
			out.append("\"type\":\"map\",\"value\":[");
			boolean first = true;
			for (Map.Entry<?, ?> entry : map.entrySet()) {
				out.append(first ? "{\"name\":" : ",{\"name\":");
				first = false;
				DeadLetterJson.appendString(out, String.valueOf(entry.getKey()));
				out.append(',');
				append(out, entry.getValue());
				out.append('}');
			}
			out.append(']');
		}
		else if (value instanceof PgRange<?> range) {
			out.append("\"type\":\"range\",\"value\":{");
			if (range.empty()) {
				out.append("\"empty\":true}");
				return;
			}
			out.append("\"lower\":{");
			append(out, range.lower());
			out.append("},\"upper\":{");
			append(out, range.upper());
			out.append("},\"lowerInclusive\":").append(range.lowerInclusive());
			out.append(",\"upperInclusive\":").append(range.upperInclusive()).append('}');
		}
		else if (value instanceof Integer || value instanceof Long || value instanceof Boolean) {
			out.append("\"type\":\"").append(tag(value)).append("\",\"value\":").append(value);
		}
		else {
			String text = text(value);
			if (text == null) {
				out.append("\"value\":null");
				return;
			}
			out.append("\"type\":\"").append(tag(value)).append("\",\"value\":");
			DeadLetterJson.appendString(out, text);
		}
	}

	private static String tag(Object value) {
		return TAGS.getOrDefault(value.getClass(), "text");
	}

	private static String text(Object value) {
		if (value instanceof BigDecimal decimal) {
			// the plain form is easier to read and keeps the scale, except for a negative scale,
			// which only the exponent form (1E+3) keeps
			return (decimal.scale() >= 0) ? decimal.toPlainString() : decimal.toString();
		}
		if (value instanceof byte[] bytes) {
			return HEX.formatHex(bytes);
		}
		if (value instanceof PGobject object) {
			// PGInterval and the geometric types print the text form their String constructors read
			return object.getValue();
		}
		// Float, Double, UUID, String and java.time print a form their parse methods read back exactly
		return value.toString();
	}

	/**
	 * Read a value written by {@link #append}, as {@code jsonb} gives it back.
	 * @param object the JSON object holding {@code type} and {@code value}
	 * @return the value, or {@code null}
	 * @throws IllegalArgumentException if the object is not one {@link #append} writes
	 */
	static Object decode(Map<?, ?> object) {
		Object value = object.get("value");
		if (value == null) {
			return null;
		}
		String type = string(object, "type");
		if (value instanceof List<?> list) {
			return switch (type) {
				case "array" -> decodeArray(list);
				case "map" -> decodeMap(list);
				default -> throw new IllegalArgumentException("a JSON array stored with type '" + type + "'");
			};
		}
		if (value instanceof Map<?, ?> range) {
			if (!"range".equals(type)) {
				throw new IllegalArgumentException("a JSON object stored with type '" + type + "'");
			}
			return decodeRange(range);
		}
		try {
			return switch (type) {
				case "int4" -> ((BigDecimal) value).intValueExact();
				case "int8" -> ((BigDecimal) value).longValueExact();
				case "bool" -> (Boolean) value;
				case "float4" -> Float.valueOf((String) value);
				case "float8" -> Double.valueOf((String) value);
				case "numeric" -> new BigDecimal((String) value);
				case "text" -> (String) value;
				case "uuid" -> UUID.fromString((String) value);
				case "bytea" -> HEX.parseHex((String) value);
				case "date" -> LocalDate.parse((String) value);
				case "time" -> LocalTime.parse((String) value);
				case "timetz" -> OffsetTime.parse((String) value);
				case "timestamp" -> LocalDateTime.parse((String) value);
				case "timestamptz" -> OffsetDateTime.parse((String) value);
				case "interval" -> new PGInterval((String) value);
				case "duration" -> Duration.parse((String) value);
				case "point" -> new PGpoint((String) value);
				case "line" -> new PGline((String) value);
				case "lseg" -> new PGlseg((String) value);
				case "box" -> new PGbox((String) value);
				case "path" -> new PGpath((String) value);
				case "polygon" -> new PGpolygon((String) value);
				case "circle" -> new PGcircle((String) value);
				default -> throw new IllegalArgumentException("unknown value type '" + type + "'");
			};
		}
		catch (ClassCastException | ArithmeticException | SQLException ex) {
			throw new IllegalArgumentException("a " + type + " value stored as " + value, ex);
		}
	}

	private static List<Object> decodeArray(List<?> list) {
		List<Object> elements = new ArrayList<>(list.size());
		for (Object element : list) {
			elements.add((element != null) ? decode(asObject(element, "array element")) : null);
		}
		return Collections.unmodifiableList(elements);
	}

	private static Map<String, Object> decodeMap(List<?> list) {
		Map<String, Object> entries = new LinkedHashMap<>();
		for (Object element : list) {
			Map<?, ?> entry = asObject(element, "map entry");
			entries.put(string(entry, "name"), decode(entry));
		}
		return Collections.unmodifiableMap(entries);
	}

	private static PgRange<Object> decodeRange(Map<?, ?> range) {
		if (Boolean.TRUE.equals(range.get("empty"))) {
			return PgRange.emptyRange();
		}
		Object lower = decode(asObject(range.get("lower"), "range's lower bound"));
		Object upper = decode(asObject(range.get("upper"), "range's upper bound"));
		return new PgRange<>(lower, upper, bool(range, "lowerInclusive"), bool(range, "upperInclusive"), false);
	}

}
