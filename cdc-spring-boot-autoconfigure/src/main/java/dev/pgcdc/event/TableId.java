package dev.pgcdc.event;

import java.util.Objects;

/**
 * The schema-qualified name of a captured table.
 *
 * <p>{@link #toString()} gives the {@code schema.name} form ({@code public.orders}); {@link #parse(String)}
 * reads it back and takes a bare name to mean the {@code public} schema.
 *
 * @param schema the schema (namespace) of the table
 * @param name the table name
 * @author pgcdc
 */
public record TableId(String schema, String name) {

	/** The schema a bare table name refers to. */
	public static final String DEFAULT_SCHEMA = "public";

	public TableId {
		Objects.requireNonNull(schema, "schema must not be null");
		Objects.requireNonNull(name, "name must not be null");
	}

	/**
	 * Parse {@code "orders"} (meaning {@code public.orders}) or {@code "sales.orders"}.
	 * @param qualifiedName a bare or schema-qualified table name
	 * @return the table id
	 */
	public static TableId parse(String qualifiedName) {
		Objects.requireNonNull(qualifiedName, "qualifiedName must not be null");
		String trimmed = qualifiedName.trim();
		int dot = trimmed.indexOf('.');
		if (dot < 0) {
			return new TableId(DEFAULT_SCHEMA, trimmed);
		}
		return new TableId(trimmed.substring(0, dot), trimmed.substring(dot + 1));
	}

	/**
	 * Return the name quoted for use in SQL ({@code "public"."orders"}).
	 * @return the quoted, schema-qualified name
	 */
	public String toSql() {
		return quote(this.schema) + "." + quote(this.name);
	}

	private static String quote(String identifier) {
		return "\"" + identifier.replace("\"", "\"\"") + "\"";
	}

	/*
	 * Written out rather than generated: the record's own equals and hashCode go through method-handle
	 * chains, and routing asks them for every change.
	 */
	@Override
	public boolean equals(Object other) {
		return this == other || (other instanceof TableId table && this.name.equals(table.name)
				&& this.schema.equals(table.schema));
	}

	@Override
	public int hashCode() {
		return 31 * this.schema.hashCode() + this.name.hashCode();
	}

	@Override
	public String toString() {
		return this.schema + "." + this.name;
	}

}
