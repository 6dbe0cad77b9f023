package dev.pgcdc.replication;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Writes and reads the values of rows that are not pgoutput tuples (snapshot and re-snapshot rows, rows
 * built by consumers) in a spill file: the common Java types in a compact form of their own, anything
 * else through one Java serialization stream per row.
 *
 * @author pgcdc
 */
final class SpillValueCodec {

	private static final byte NULL = 0;

	private static final byte STRING = 1;

	private static final byte INTEGER = 2;

	private static final byte LONG = 3;

	private static final byte DOUBLE = 4;

	private static final byte FLOAT = 5;

	private static final byte TRUE = 6;

	private static final byte FALSE = 7;

	private static final byte BYTES = 8;

	private static final byte DECIMAL = 9;

	private static final byte UUID_VALUE = 10;

	static final byte SERIALIZED = 11;

	private static final byte LOCAL_DATE = 12;

	private static final byte LOCAL_TIME = 13;

	private static final byte LOCAL_DATE_TIME = 14;

	private static final byte OFFSET_DATE_TIME = 15;

	private static final byte INSTANT = 16;

	private final List<Object> serializedValues = new ArrayList<>();

	private final List<String> serializedColumns = new ArrayList<>();

	void write(String column, Object value, SpillOutput out) {
		Class<?> type = (value != null) ? value.getClass() : null;
		if (value == null) {
			out.writeByte(NULL);
		}
		else if (type == String.class) {
			out.writeByte(STRING);
			out.writeString((String) value);
		}
		else if (type == Integer.class) {
			out.writeByte(INTEGER);
			out.writeInt((Integer) value);
		}
		else if (type == Long.class) {
			out.writeByte(LONG);
			out.writeLong((Long) value);
		}
		else if (type == Double.class) {
			out.writeByte(DOUBLE);
			out.writeLong(Double.doubleToRawLongBits((Double) value));
		}
		else if (type == Float.class) {
			out.writeByte(FLOAT);
			out.writeInt(Float.floatToRawIntBits((Float) value));
		}
		else if (type == Boolean.class) {
			out.writeByte(((Boolean) value) ? TRUE : FALSE);
		}
		else if (type == byte[].class) {
			byte[] bytes = (byte[]) value;
			out.writeByte(BYTES);
			out.writeInt(bytes.length);
			out.writeBytes(bytes, 0, bytes.length);
		}
		else if (type == BigDecimal.class) {
			BigDecimal decimal = (BigDecimal) value;
			byte[] unscaled = decimal.unscaledValue().toByteArray();
			out.writeByte(DECIMAL);
			out.writeInt(decimal.scale());
			out.writeInt(unscaled.length);
			out.writeBytes(unscaled, 0, unscaled.length);
		}
		else if (type == UUID.class) {
			UUID uuid = (UUID) value;
			out.writeByte(UUID_VALUE);
			out.writeLong(uuid.getMostSignificantBits());
			out.writeLong(uuid.getLeastSignificantBits());
		}
		else if (type == LocalDate.class) {
			out.writeByte(LOCAL_DATE);
			out.writeLong(((LocalDate) value).toEpochDay());
		}
		else if (type == LocalTime.class) {
			out.writeByte(LOCAL_TIME);
			out.writeLong(((LocalTime) value).toNanoOfDay());
		}
		else if (type == LocalDateTime.class) {
			out.writeByte(LOCAL_DATE_TIME);
			writeDateTime((LocalDateTime) value, out);
		}
		else if (type == OffsetDateTime.class) {
			OffsetDateTime dateTime = (OffsetDateTime) value;
			out.writeByte(OFFSET_DATE_TIME);
			writeDateTime(dateTime.toLocalDateTime(), out);
			out.writeInt(dateTime.getOffset().getTotalSeconds());
		}
		else if (type == Instant.class) {
			Instant instant = (Instant) value;
			out.writeByte(INSTANT);
			out.writeLong(instant.getEpochSecond());
			out.writeInt(instant.getNano());
		}
		else {
			out.writeByte(SERIALIZED);
			this.serializedValues.add(value);
			this.serializedColumns.add(column);
		}
	}

	private static void writeDateTime(LocalDateTime dateTime, SpillOutput out) {
		out.writeLong(dateTime.toLocalDate().toEpochDay());
		out.writeLong(dateTime.toLocalTime().toNanoOfDay());
	}

	byte[] serialize() {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		int index = 0;
		try (ObjectOutputStream objects = new ObjectOutputStream(bytes)) {
			for (; index < this.serializedValues.size(); index++) {
				objects.writeObject(this.serializedValues.get(index));
			}
		}
		catch (NotSerializableException ex) {
			Object value = this.serializedValues.get(index);
			throw new IllegalArgumentException("Cannot spill a change to disk: column '"
					+ this.serializedColumns.get(index) + "' holds a " + value.getClass().getName()
					+ " and " + ex.getMessage() + " is not Serializable", ex);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot spill a change to disk: serializing its values failed", ex);
		}
		finally {
			this.serializedValues.clear();
			this.serializedColumns.clear();
		}
		return bytes.toByteArray();
	}

	static Object read(byte tag, SpillInput in) {
		return switch (tag) {
			case NULL -> null;
			case STRING -> in.readString();
			case INTEGER -> in.readInt();
			case LONG -> in.readLong();
			case DOUBLE -> Double.longBitsToDouble(in.readLong());
			case FLOAT -> Float.intBitsToFloat(in.readInt());
			case TRUE -> Boolean.TRUE;
			case FALSE -> Boolean.FALSE;
			case BYTES -> in.readBytes(in.readInt());
			case DECIMAL -> {
				int scale = in.readInt();
				yield new BigDecimal(new BigInteger(in.readBytes(in.readInt())), scale);
			}
			case UUID_VALUE -> new UUID(in.readLong(), in.readLong());
			case LOCAL_DATE -> LocalDate.ofEpochDay(in.readLong());
			case LOCAL_TIME -> LocalTime.ofNanoOfDay(in.readLong());
			case LOCAL_DATE_TIME -> readDateTime(in);
			case OFFSET_DATE_TIME -> OffsetDateTime.of(readDateTime(in), ZoneOffset.ofTotalSeconds(in.readInt()));
			case INSTANT -> Instant.ofEpochSecond(in.readLong(), in.readInt());
			default -> throw new IllegalStateException("A spilled transaction file is corrupt: unexpected value tag " + tag);
		};
	}

	private static LocalDateTime readDateTime(SpillInput in) {
		return LocalDateTime.of(LocalDate.ofEpochDay(in.readLong()), LocalTime.ofNanoOfDay(in.readLong()));
	}

	void startRow() {
		this.serializedValues.clear();
		this.serializedColumns.clear();
	}

	boolean anySerialized() {
		return !this.serializedValues.isEmpty();
	}

}
