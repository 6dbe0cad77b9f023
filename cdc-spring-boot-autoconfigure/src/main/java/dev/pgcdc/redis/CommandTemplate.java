package dev.pgcdc.redis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Row;
import dev.pgcdc.replication.TypedRow;

/**
 * A one-line command template such as {@code HSET product:{id} {pairs:name,price}}, parsed and checked
 * against the table once, then rendered for each change.
 *
 * <p>Arguments are separated by spaces; an argument in single quotes may contain spaces. Placeholders:
 * {@code {col}} (the new image, the old one for a DELETE), {@code {old:col}} (the old image; the new one
 * when an UPDATE left the key alone and PostgreSQL sent no old image), {@code {pairs:*}} and
 * {@code {pairs:a,b}} (column and value arguments, a whole argument on their own), {@code {json:*}} and
 * {@code {json:a,b}} (a JSON object), {@code {%schema%}}, {@code {%table%}}, {@code {%pk%}} (the key
 * values joined by {@code :}), {@code {%op%}} and {@code {%lsn%}} (the change's WAL position).
 *
 * @author pgcdc
 */
final class CommandTemplate {

	private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)}");


	private static final List<String> META = List.of("schema", "table", "pk", "op", "lsn");

	private final String name;

	private final List<Argument> arguments;

	private final String origin;

	/** The argument count the check against the table found: what a render usually produces. */
	private final int expectedArgs;

	private CommandTemplate(String name, List<Argument> arguments, String origin, int expectedArgs) {
		this.name = name;
		this.arguments = arguments;
		this.origin = origin;
		this.expectedArgs = expectedArgs;
	}

	/**
	 * Parse and check a template.
	 * @param line the template
	 * @param origin the mapped command, for messages ({@code cdc.redis.mappings.products.insert[0]})
	 * @param table the table's columns
	 * @param operation the operation the template is for
	 * @return the template
	 * @throws IllegalStateException naming the mapped command and the fix
	 */
	static CommandTemplate parse(String line, String origin, TableColumns table, Operation operation) {
		List<String> tokens = tokenize(line, origin);
		if (tokens.isEmpty()) {
			throw new IllegalStateException(origin + " is empty; write a command such as \"HSET product:{id} {pairs:*}\"");
		}
		String name = tokens.get(0).toUpperCase(Locale.ROOT);
		TemplateCommands.Arity arity = TemplateCommands.arity(name);
		if (arity == null) {
			throw new IllegalStateException(origin + " uses the command " + tokens.get(0) + ", which mappings do not "
					+ "support; use one of " + String.join(", ", TemplateCommands.names()));
		}
		Parser parser = new Parser(origin, table, operation);
		List<Argument> arguments = new ArrayList<>();
		int count = 0;
		for (String token : tokens.subList(1, tokens.size())) {
			Argument argument = parser.argument(token);
			arguments.add(argument);
			count += argument.count();
		}
		arity.check(name, count, origin);
		return new CommandTemplate(name, List.copyOf(arguments), origin, count);
	}

	String name() {
		return this.name;
	}

	/**
	 * Render the command for a change.
	 * @param event the change
	 * @return the command
	 */
	RedisCommand render(ChangeEvent event) {
		// one buffer per thread, reused: the rendered command is the one array copied out of it
		ArgumentBuffer buffer = ArgumentBuffer.get();
		for (Argument argument : this.arguments) {
			argument.render(event, buffer);
		}
		return new RedisCommand(this.name, buffer.toByteArray(), buffer.count(), this.origin);
	}

	static String operationName(Operation operation) {
		return operation.name().toLowerCase(Locale.ROOT);
	}

	private static List<String> tokenize(String line, String origin) {
		List<String> tokens = new ArrayList<>();
		StringBuilder token = null;
		boolean quoted = false;
		for (int i = 0; i < line.length(); i++) {
			char c = line.charAt(i);
			if (c == '\'') {
				quoted = !quoted;
				if (token == null) {
					token = new StringBuilder();
				}
			}
			else if (Character.isWhitespace(c) && !quoted) {
				if (token != null) {
					tokens.add(token.toString());
					token = null;
				}
			}
			else {
				if (token == null) {
					token = new StringBuilder();
				}
				token.append(c);
			}
		}
		if (quoted) {
			throw new IllegalStateException(origin + " has an unclosed quote: \"" + line + "\"");
		}
		if (token != null) {
			tokens.add(token.toString());
		}
		return tokens;
	}

	/** Parses the arguments of one template, checking every placeholder against the table. */
	private static final class Parser {

		private final String origin;

		private final TableColumns table;

		private final Operation operation;

		Parser(String origin, TableColumns table, Operation operation) {
			this.origin = origin;
			this.table = table;
			this.operation = operation;
		}

		Argument argument(String token) {
			Matcher whole = PLACEHOLDER.matcher(token);
			if (whole.matches() && whole.group(1).startsWith("pairs:")) {
				return new Pairs(columns(whole.group(1).substring(6), "pairs"), imageColumns());
			}
			List<Part> parts = new ArrayList<>();
			StringBuilder literal = new StringBuilder();
			int i = 0;
			while (i < token.length()) {
				char c = token.charAt(i);
				// {{ and }} are literal braces: Redis Cluster hash tags such as product:{{{id}}}
				if ((c == '{' || c == '}') && i + 1 < token.length() && token.charAt(i + 1) == c) {
					literal.append(c);
					i += 2;
					continue;
				}
				int end = (c == '{') ? token.indexOf('}', i + 1) : -1;
				int nested = (c == '{') ? token.indexOf('{', i + 1) : -1;
				if (end < 0 || (nested >= 0 && nested < end)) {
					literal.append(c);
					i++;
					continue;
				}
				if (literal.length() > 0) {
					parts.add(new Literal(literal.toString()));
					literal.setLength(0);
				}
				parts.add(placeholder(token.substring(i + 1, end)));
				i = end + 1;
			}
			if (literal.length() > 0) {
				parts.add(new Literal(literal.toString()));
			}
			return new Text(parts);
		}

		private Part placeholder(String body) {
			if (body.startsWith("%") && body.endsWith("%") && body.length() > 2) {
				String meta = body.substring(1, body.length() - 1);
				if (!META.contains(meta)) {
					throw unknown("{" + body + "}");
				}
				if (meta.equals("pk") && this.table.keyColumns().isEmpty()) {
					throw new IllegalStateException(this.origin + " uses {%pk%} but " + this.table.table() + " has no "
							+ "primary key or replica identity index; name the columns instead");
				}
				return new Meta(meta, this.table.keyColumns());
			}
			if (body.startsWith("pairs:")) {
				throw new IllegalStateException(this.origin + " uses {" + body + "} inside another argument; "
						+ "{pairs:...} stands for several arguments and must be an argument of its own");
			}
			if (body.startsWith("json:")) {
				return new Json(columns(body.substring(5), "json"));
			}
			if (body.startsWith("old:")) {
				String column = body.substring(4);
				if (this.operation == Operation.INSERT || this.operation == Operation.SNAPSHOT) {
					throw new IllegalStateException(this.origin + " uses {" + body + "}, but an "
							+ operationName(this.operation) + " has no old image; use {" + column + "}");
				}
				checkOld(column(column, body));
				return new Column(column, true);
			}
			if (body.contains(":") || body.contains("%") || body.isEmpty()) {
				throw unknown("{" + body + "}");
			}
			String column = column(body, body);
			if (this.operation == Operation.DELETE) {
				checkOld(column);
			}
			return new Column(column, false);
		}

		private List<String> columns(String list, String kind) {
			if (list.equals("*")) {
				return null;
			}
			List<String> columns = new ArrayList<>();
			for (String column : list.split(",")) {
				String name = column(column.trim(), kind + ":" + list);
				if (this.operation == Operation.DELETE) {
					checkOld(name);
				}
				columns.add(name);
			}
			return List.copyOf(columns);
		}

		/** The columns {pairs:*} expands to for this operation, for the argument count. */
		private List<String> imageColumns() {
			if (this.operation == Operation.DELETE && !this.table.fullIdentity()) {
				return this.table.keyColumns();
			}
			return this.table.columns();
		}

		private String column(String column, String placeholder) {
			if (!this.table.columns().contains(column)) {
				throw new IllegalStateException(this.origin + " uses {" + placeholder + "}, but " + this.table.table()
						+ " has no column '" + column + "'; its columns are " + this.table.columns());
			}
			return column;
		}

		private void checkOld(String column) {
			if (!this.table.inOldImage(column)) {
				throw new IllegalStateException(this.origin + " reads column '" + column + "' of the old row, which "
						+ "PostgreSQL only sends for key columns " + this.table.keyColumns() + ". Run ALTER TABLE "
						+ this.table.table().toSql() + " REPLICA IDENTITY FULL, or use key columns only");
			}
		}

		private IllegalStateException unknown(String placeholder) {
			return new IllegalStateException(this.origin + " uses the unknown placeholder " + placeholder
					+ "; use {column}, {old:column}, {pairs:*}, {pairs:a,b}, {json:*}, {json:a,b}, {%schema%}, "
					+ "{%table%}, {%pk%}, {%op%} or {%lsn%}");
		}

	}

	/** One template argument, rendering to one or (pairs) several Redis arguments. */
	private interface Argument {

		void render(ChangeEvent event, ArgumentBuffer out);

		int count();

	}

	/** A piece of a text argument. */
	private interface Part {

		void append(ChangeEvent event, ArgumentBuffer out);

	}

	private record Pairs(List<String> columns, List<String> countedColumns) implements Argument {

		@Override
		public void render(ChangeEvent event, ArgumentBuffer out) {
			Row row = event.row();
			if (this.columns == null && row instanceof TypedRow typed) {
				// every column, by position: no lookup by name per value
				List<String> names = row.columns();
				for (int i = 0; i < names.size(); i++) {
					if (!typed.unchangedAt(i)) {
						String column = names.get(i);
						out.add(RedisValues.name(column));
						out.addValue(typed, column, i);
					}
				}
				return;
			}
			for (String column : (this.columns != null) ? this.columns : row.columns()) {
				// an unchanged TOAST value was not sent: leaving the field alone keeps the stored value
				if (row.contains(column) && !row.isUnchanged(column)) {
					out.add(RedisValues.name(column));
					out.addValue(row, column);
				}
			}
		}

		@Override
		public int count() {
			return 2 * ((this.columns != null) ? this.columns : this.countedColumns).size();
		}

	}

	private record Text(List<Part> parts, byte[] constant) implements Argument {

		Text(List<Part> parts) {
			this(parts, (parts.size() == 1 && parts.get(0) instanceof Literal literal)
					? RedisValues.bytes(literal.text()) : null);
		}

		@Override
		public void render(ChangeEvent event, ArgumentBuffer out) {
			if (this.constant != null) {
				out.add(this.constant);
			}
			else {
				out.beginText();
				for (Part part : this.parts) {
					part.append(event, out);
				}
				out.endText();
			}
		}

		@Override
		public int count() {
			return 1;
		}

	}

	private record Literal(String text, byte[] bytes) implements Part {

		Literal(String text) {
			this(text, RedisValues.bytes(text));
		}

		@Override
		public void append(ChangeEvent event, ArgumentBuffer out) {
			out.appendText(this.bytes);
		}

	}

	private record Column(String name, boolean old) implements Part {

		/** The image the value is read from, {@code null} when neither has the column. */
		Row source(ChangeEvent event) {
			Row before = event.before();
			if (this.old && before != null && before.contains(this.name) && !before.isUnchanged(this.name)) {
				return before;
			}
			Row row = event.row();
			if (row.isUnchanged(this.name) && before != null && before.contains(this.name)) {
				return before;
			}
			return row.contains(this.name) ? row : null;
		}

		@Override
		public void append(ChangeEvent event, ArgumentBuffer out) {
			Row source = source(event);
			if (source != null) {
				out.appendValue(source, this.name);
			}
		}

	}

	private record Json(List<String> columns) implements Part {

		@Override
		public void append(ChangeEvent event, ArgumentBuffer out) {
			Row row = event.row();
			StringBuilder json = new StringBuilder(128);
			if (this.columns == null) {
				RedisValues.appendJsonObject(json, row.toMap());
			}
			else {
				Map<String, Object> values = new LinkedHashMap<>();
				for (String column : this.columns) {
					values.put(column, row.contains(column) ? row.get(column) : null);
				}
				RedisValues.appendJsonObject(json, values);
			}
			out.appendText(json.toString());
		}

	}

	/** A meta placeholder; {@code {%pk%}} reads the key columns found at start-up, not the row's identity. */
	private record Meta(String kind, List<String> keyColumns) implements Part {

		@Override
		public void append(ChangeEvent event, ArgumentBuffer out) {
			StringBuilder text = new StringBuilder(32);
			append(event, text);
			out.appendText(text.toString());
		}

		private void append(ChangeEvent event, StringBuilder out) {
			switch (this.kind) {
				case "schema" -> out.append(event.table().schema());
				case "table" -> out.append(event.table().name());
				case "op" -> out.append(operationName(event.operation()));
				case "lsn" -> out.append(event.lsn());
				default -> appendKey(event.row(), this.keyColumns, out);
			}
		}

		private static void appendKey(Row row, List<String> keyColumns, StringBuilder out) {
			// under REPLICA IDENTITY FULL the row's identity is every column: the primary key is what is meant
			boolean first = true;
			for (String key : keyColumns) {
				if (!first) {
					out.append(':');
				}
				first = false;
				out.append(RedisValues.text(row.contains(key) ? row.get(key) : null));
			}
		}

	}

	@Override
	public String toString() {
		return this.name + " " + Arrays.toString(this.arguments.toArray());
	}

}
