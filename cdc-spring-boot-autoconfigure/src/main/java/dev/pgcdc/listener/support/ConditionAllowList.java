package dev.pgcdc.listener.support;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.Row;
import dev.pgcdc.event.TableId;
import org.postgresql.util.PGInterval;

/**
 * The methods a condition may call, by type: read methods of the event model, {@code Map}, {@code List}
 * and {@code Set} reads, {@code String}, {@code Number}, {@code java.time} and {@link PGInterval} queries.
 * Anything not listed is refused: {@code getClass()}, {@code getDeclaringClass()}, static methods, setters
 * and every other mutating method, methods that build large strings ({@code repeat}, {@code concat},
 * {@code replace}, {@code formatted}), methods taking a {@code Class} ({@code Row.get(String, Class)},
 * {@code Row.to(Class)}).
 *
 * <p>The allow list names methods; a method is allowed on a value when one of the listed types the value
 * is an instance of declares it with the same parameters, so an implementation's extra public methods
 * stay out of reach.
 *
 * @author pgcdc
 */
final class ConditionAllowList {

	private static final Set<String> OBJECT = Set.of("equals", "toString");

	private static final Set<String> COMPARABLE = Set.of("compareTo");

	private static final Set<String> TEMPORAL = Set.of("getYear", "getMonth", "getMonthValue", "getDayOfMonth",
			"getDayOfYear", "getDayOfWeek", "getHour", "getMinute", "getSecond", "getNano", "getOffset",
			"getTotalSeconds", "getEpochSecond", "toEpochMilli", "toEpochDay", "toEpochSecond", "toLocalDate",
			"toLocalTime", "toLocalDateTime", "toInstant", "toSeconds", "toMillis", "toNanos", "toMinutes", "toHours",
			"toDays", "isBefore", "isAfter", "isEqual", "isNegative", "isZero", "compareTo");

	/** Listed types and what each allows, most specific first. */
	private static final Map<Class<?>, Set<String>> ALLOWED = allowed();

	private static final Set<String> NAMES = names();

	private ConditionAllowList() {
	}

	private static Map<Class<?>, Set<String>> allowed() {
		Map<Class<?>, Set<String>> allowed = new LinkedHashMap<>();
		allowed.put(ChangeEvent.class, Set.of("operation", "table", "before", "after", "row", "changedColumns", "lsn",
				"commitLsn", "xid", "commitTime"));
		allowed.put(Row.class, Set.of("get", "contains", "isUnchanged", "columns", "keyColumns", "toMap"));
		allowed.put(TableId.class, Set.of("schema", "name"));
		allowed.put(Lsn.class, Set.of("value", "isValid", "bytesSince", "compareTo"));
		allowed.put(Enum.class, Set.of("name", "ordinal", "compareTo"));
		allowed.put(String.class, Set.of("length", "isEmpty", "isBlank", "charAt", "contains", "startsWith",
				"endsWith", "equalsIgnoreCase", "compareTo", "compareToIgnoreCase", "indexOf", "lastIndexOf",
				"substring", "toLowerCase", "toUpperCase", "trim", "strip", "stripLeading", "stripTrailing"));
		allowed.put(Character.class, Set.of("charValue", "compareTo"));
		allowed.put(Boolean.class, Set.of("booleanValue", "compareTo"));
		allowed.put(BigDecimal.class, Set.of("signum", "scale", "precision", "abs", "negate", "compareTo",
				"stripTrailingZeros"));
		allowed.put(BigInteger.class, Set.of("signum", "abs", "negate", "compareTo", "bitLength"));
		allowed.put(Double.class, Set.of("isNaN", "isInfinite"));
		allowed.put(Float.class, Set.of("isNaN", "isInfinite"));
		allowed.put(Number.class, Set.of("intValue", "longValue", "doubleValue", "floatValue", "shortValue",
				"byteValue"));
		allowed.put(UUID.class, Set.of("compareTo", "version"));
		for (Class<?> type : List.of(LocalDate.class, LocalTime.class, LocalDateTime.class, OffsetDateTime.class,
				OffsetTime.class, ZonedDateTime.class, Instant.class, Duration.class, ZoneOffset.class)) {
			allowed.put(type, TEMPORAL);
		}
		allowed.put(PGInterval.class, Set.of("getYears", "getMonths", "getDays", "getHours", "getMinutes",
				"getSeconds", "getWholeSeconds", "getMicroSeconds", "getValue", "getType"));
		allowed.put(Map.class, Set.of("get", "getOrDefault", "containsKey", "containsValue", "isEmpty", "size",
				"keySet", "values"));
		allowed.put(List.class, Set.of("get", "indexOf", "lastIndexOf"));
		allowed.put(Collection.class, Set.of("contains", "containsAll", "isEmpty", "size"));
		return allowed;
	}

	private static Set<String> names() {
		Set<String> names = new HashSet<>(OBJECT);
		names.addAll(COMPARABLE);
		ALLOWED.values().forEach(names::addAll);
		return Set.copyOf(names);
	}

	/**
	 * Return whether a condition may call a method on a value of a type.
	 * @param method the public method reflection found
	 * @param targetClass the class of the value it is called on
	 * @return whether the method is on the allow list for that value
	 */
	static boolean allows(Method method, Class<?> targetClass) {
		if (Modifier.isStatic(method.getModifiers()) || takesAClass(method)) {
			return false;
		}
		boolean listedType = false;
		for (Map.Entry<Class<?>, Set<String>> entry : ALLOWED.entrySet()) {
			Class<?> type = entry.getKey();
			if (!type.isAssignableFrom(targetClass)) {
				continue;
			}
			listedType = true;
			if (entry.getValue().contains(method.getName()) && declares(type, method)) {
				return true;
			}
		}
		if (!listedType) {
			return false;
		}
		if (COMPARABLE.contains(method.getName())) {
			// compareTo(T) of every listed Comparable (Integer, BigDecimal, String, ...)
			return Comparable.class.isAssignableFrom(targetClass) && method.getParameterCount() == 1;
		}
		// equals and toString of the listed types, whoever implements them
		return OBJECT.contains(method.getName()) && declares(Object.class, method);
	}

	/**
	 * Return whether any listed type allows a method of this name: what the parser checks before a
	 * condition ever runs.
	 * @param name a method name
	 * @return whether the name is on the allow list for some type
	 */
	static boolean isAllowedName(String name) {
		return NAMES.contains(name);
	}

	/**
	 * Return whether a property read could resolve to an allowed method ({@code name()}, {@code getName()}
	 * or {@code isName()}), or is an array's {@code length}.
	 * @param property the property name as written
	 * @return whether some type allows it
	 */
	static boolean isAllowedProperty(String property) {
		if (property.isEmpty()) {
			return false;
		}
		String suffix = Character.toUpperCase(property.charAt(0)) + property.substring(1);
		return property.equals("length") || isAllowedName(property) || isAllowedName("get" + suffix)
				|| isAllowedName("is" + suffix);
	}

	private static boolean takesAClass(Method method) {
		for (Class<?> parameter : method.getParameterTypes()) {
			if (Class.class.isAssignableFrom(parameter)) {
				return true;
			}
		}
		return false;
	}

	private static boolean declares(Class<?> type, Method method) {
		try {
			type.getMethod(method.getName(), method.getParameterTypes());
			return true;
		}
		catch (NoSuchMethodException ex) {
			return false;
		}
	}

}
