package dev.pgcdc.event;

/**
 * A value of a PostgreSQL range type ({@code int4range}, {@code tstzrange}, a user-defined range, ...), and
 * each element of a multirange, with its bounds decoded like a column of the bound type would be.
 *
 * <p>pgjdbc has no range type of its own ({@code getObject} gives a {@code PGobject} holding the text), so
 * pgcdc hands ranges over as this. A {@code null} bound is an unbounded side ({@code lower_inf}/{@code
 * upper_inf}), never inclusive; an infinite bound of a date or timestamp range ({@code [2024-01-01,infinity)})
 * is a real bound holding the type's infinite value ({@code OffsetDateTime.MAX}, ...), as for a column.
 * Discrete ranges come in PostgreSQL's canonical form ({@code [1,5)} for {@code int4range '[1,4]'}).
 *
 * @param lower the lower bound, {@code null} if unbounded below or empty
 * @param upper the upper bound, {@code null} if unbounded above or empty
 * @param lowerInclusive whether the lower bound belongs to the range
 * @param upperInclusive whether the upper bound belongs to the range
 * @param empty whether this is the empty range (then both bounds are {@code null})
 * @param <T> the bound type: {@code Integer}, {@code Long}, {@code BigDecimal}, {@code LocalDate},
 * {@code LocalDateTime}, {@code OffsetDateTime}, ...
 * @author pgcdc
 */
public record PgRange<T>(T lower, T upper, boolean lowerInclusive, boolean upperInclusive, boolean empty) {

	public PgRange {
		if (empty && (lower != null || upper != null || lowerInclusive || upperInclusive)) {
			throw new IllegalArgumentException("An empty range has no bounds");
		}
		if ((lower == null && lowerInclusive) || (upper == null && upperInclusive)) {
			throw new IllegalArgumentException("An unbounded side cannot be inclusive");
		}
	}

	/**
	 * Return the empty range.
	 * @param <T> the bound type
	 * @return the empty range
	 */
	public static <T> PgRange<T> emptyRange() {
		return new PgRange<>(null, null, false, false, true);
	}

	/**
	 * Return whether the range has no lower bound ({@code lower_inf}).
	 * @return whether it is unbounded below; {@code false} for the empty range, as in PostgreSQL
	 */
	public boolean isLowerUnbounded() {
		return !this.empty && this.lower == null;
	}

	/**
	 * Return whether the range has no upper bound ({@code upper_inf}).
	 * @return whether it is unbounded above; {@code false} for the empty range, as in PostgreSQL
	 */
	public boolean isUpperUnbounded() {
		return !this.empty && this.upper == null;
	}

	/**
	 * Return the range in PostgreSQL's notation, with the bounds' {@code toString()}: {@code [1,5)},
	 * {@code (,2024-01-01]}, {@code empty}. Bounds are not quoted.
	 */
	@Override
	public String toString() {
		if (this.empty) {
			return "empty";
		}
		return (this.lowerInclusive ? "[" : "(") + ((this.lower != null) ? this.lower : "") + ","
				+ ((this.upper != null) ? this.upper : "") + (this.upperInclusive ? "]" : ")");
	}

}
