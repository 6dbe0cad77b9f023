package dev.pgcdc.replication.types;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Chooses the {@link ValueDecoder} for a column from its type OID, for values in pgoutput's text
 * format.
 *
 * <p>Values decode to: int2/int4 {@code Integer}; int8, oid {@code Long}; float4 {@code Float};
 * float8 {@code Double}; numeric {@code BigDecimal} ({@code Double} for NaN and ±Infinity); bool
 * {@code Boolean}; uuid {@code UUID}; bytea {@code byte[]}; date {@code LocalDate}; time
 * {@code LocalTime}; timetz {@code OffsetTime}; timestamp {@code LocalDateTime}; timestamptz
 * {@code OffsetDateTime} at offset {@code Z}; interval {@code PGInterval}; money {@code Double}; bit
 * {@code Boolean} for one bit, else a {@code String} of 0s and 1s (varbit always that {@code String});
 * point, line, lseg, box, path, polygon, circle pgjdbc's {@code PGpoint} ... {@code PGcircle}; hstore an
 * unmodifiable {@code Map<String, String>}; ranges a {@link dev.pgcdc.event.PgRange} of the subtype's
 * values and multiranges an unmodifiable {@code List} of them; composites an unmodifiable {@code Map}
 * from attribute name to decoded value, in attribute order; arrays an unmodifiable
 * {@code List} of their elements (nested for more dimensions, {@code null} for NULL elements);
 * domains whatever their base type gives; every other type, enums, json and extension types like
 * citext included, the text as a {@code String}. Infinite dates and times come out as pgjdbc's
 * {@code getObject} gives them (the {@code MAX}/{@code MIN} of the class).
 *
 * <p>The text must have been produced with {@code DateStyle = ISO} and the default
 * {@code IntervalStyle}, as pgjdbc sessions have. Decoders are cached per OID and are thread-safe;
 * the first request for a type the {@link TypeLookup} does not already hold may query the database,
 * so resolve decoders when a relation is announced, not per row.
 *
 * @author pgcdc
 */
public final class ValueDecoders {

	// Deeper than any sane domain-over-domain chain; stops a corrupt or cyclic lookup.
	private static final int MAX_DEPTH = 32;

	private static final Map<Integer, ValueDecoder> BUILT_IN = Map.ofEntries(
			Map.entry(BuiltInTypes.BOOL, ScalarTextDecoders.BOOL),
			Map.entry(BuiltInTypes.BYTEA, ScalarTextDecoders.BYTEA),
			Map.entry(BuiltInTypes.CHAR, ScalarTextDecoders.STRING),
			Map.entry(BuiltInTypes.NAME, ScalarTextDecoders.STRING),
			Map.entry(BuiltInTypes.INT8, ScalarTextDecoders.INT8),
			Map.entry(BuiltInTypes.INT2, ScalarTextDecoders.INT2),
			Map.entry(BuiltInTypes.INT4, ScalarTextDecoders.INT4),
			Map.entry(BuiltInTypes.TEXT, ScalarTextDecoders.STRING),
			Map.entry(BuiltInTypes.OID, ScalarTextDecoders.OID),
			Map.entry(BuiltInTypes.JSON, ScalarTextDecoders.STRING),
			Map.entry(BuiltInTypes.XML, ScalarTextDecoders.STRING),
			Map.entry(BuiltInTypes.FLOAT4, ScalarTextDecoders.FLOAT4),
			Map.entry(BuiltInTypes.FLOAT8, ScalarTextDecoders.FLOAT8),
			Map.entry(BuiltInTypes.BPCHAR, ScalarTextDecoders.STRING),
			Map.entry(BuiltInTypes.VARCHAR, ScalarTextDecoders.STRING),
			Map.entry(BuiltInTypes.DATE, TemporalTextDecoders.DATE),
			Map.entry(BuiltInTypes.TIME, TemporalTextDecoders.TIME),
			Map.entry(BuiltInTypes.TIMESTAMP, TemporalTextDecoders.TIMESTAMP),
			Map.entry(BuiltInTypes.TIMESTAMPTZ, TemporalTextDecoders.TIMESTAMPTZ),
			Map.entry(BuiltInTypes.INTERVAL, ScalarTextDecoders.INTERVAL),
			Map.entry(BuiltInTypes.TIMETZ, TemporalTextDecoders.TIMETZ),
			Map.entry(BuiltInTypes.NUMERIC, ScalarTextDecoders.NUMERIC),
			Map.entry(BuiltInTypes.UUID, ScalarTextDecoders.UUID_DECODER),
			Map.entry(BuiltInTypes.JSONB, ScalarTextDecoders.STRING),
			Map.entry(BuiltInTypes.MONEY, ScalarTextDecoders.MONEY),
			Map.entry(BuiltInTypes.BIT, ScalarTextDecoders.BIT),
			Map.entry(BuiltInTypes.POINT, GeometricTextDecoders.POINT),
			Map.entry(BuiltInTypes.LINE, GeometricTextDecoders.LINE),
			Map.entry(BuiltInTypes.LSEG, GeometricTextDecoders.LSEG),
			Map.entry(BuiltInTypes.BOX, GeometricTextDecoders.BOX),
			Map.entry(BuiltInTypes.PATH, GeometricTextDecoders.PATH),
			Map.entry(BuiltInTypes.POLYGON, GeometricTextDecoders.POLYGON),
			Map.entry(BuiltInTypes.CIRCLE, GeometricTextDecoders.CIRCLE));

	// Extension types have no fixed OID, so they are recognised by name. Anything unknown decodes
	// to a String anyway; listing citext keeps that a decision rather than an accident.
	private static final Map<String, ValueDecoder> BY_NAME = Map.of("citext", ScalarTextDecoders.STRING, "hstore",
			HstoreTextDecoder.INSTANCE);

	private final TypeLookup lookup;

	private final Map<Integer, ValueDecoder> cache = new ConcurrentHashMap<>();

	/**
	 * Create decoders that resolve types other than the common built-in ones through
	 * {@code lookup}.
	 * @param lookup the source of enum, domain, array and extension type definitions, usually a
	 * {@link JdbcTypeLookup}
	 */
	public ValueDecoders(TypeLookup lookup) {
		this.lookup = lookup;
	}

	/**
	 * Return the decoder for values of the given type.
	 * @param typeOid the column type OID, as the Relation message gives it
	 * @return the decoder; a {@code String} decoder if the type is not known at all
	 * @throws IllegalStateException if the type lookup fails
	 */
	public ValueDecoder forType(int typeOid) {
		ValueDecoder decoder = this.cache.get(typeOid);
		if (decoder == null) {
			decoder = resolve(typeOid, typeOid, 0);
			this.cache.put(typeOid, decoder);
		}
		return decoder;
	}

	private PgType find(int oid) {
		PgType type = BuiltInTypes.find(oid);
		return (type != null) ? type : this.lookup.find(oid);
	}

	private ValueDecoder resolve(int requestedOid, int oid, int depth) {
		ValueDecoder builtIn = BUILT_IN.get(oid);
		if (builtIn != null) {
			return builtIn;
		}
		if (depth > MAX_DEPTH) {
			throw new IllegalStateException("Type OID " + Integer.toUnsignedString(requestedOid)
					+ " nests domains or arrays more than " + MAX_DEPTH + " levels deep");
		}
		PgType type = find(oid);
		if (type == null) {
			return ScalarTextDecoders.STRING;
		}
		if (type.isDomain()) {
			return resolve(requestedOid, type.baseTypeOid(), depth + 1);
		}
		if (type.isArray()) {
			return new ArrayTextDecoder(resolve(requestedOid, type.elementOid(), depth + 1), type.delimiter());
		}
		if (type.kind() == PgType.RANGE && type.subtypeOid() != 0) {
			return RangeTextDecoder.range(resolve(requestedOid, type.subtypeOid(), depth + 1));
		}
		if (type.kind() == PgType.MULTIRANGE && type.subtypeOid() != 0) {
			PgType range = find(type.subtypeOid());
			if (range != null && range.subtypeOid() != 0) {
				return RangeTextDecoder.multirange(resolve(requestedOid, range.subtypeOid(), depth + 1));
			}
		}
		if (type.kind() == PgType.COMPOSITE) {
			List<String> names = new ArrayList<>();
			List<ValueDecoder> fields = new ArrayList<>();
			for (PgType.Attribute attribute : type.attributes()) {
				names.add(attribute.name());
				fields.add(resolve(requestedOid, attribute.typeOid(), depth + 1));
			}
			return new CompositeTextDecoder(names, fields);
		}
		return BY_NAME.getOrDefault(type.name(), ScalarTextDecoders.STRING);
	}

}
