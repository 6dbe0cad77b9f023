package dev.pgcdc.redis;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Row;
import dev.pgcdc.event.TableId;
import dev.pgcdc.event.ValueConverter;
import dev.pgcdc.event.ValuesRow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Every placeholder and every supported command of a command template, rendered for a change and compared
 * argument by argument. {@link CommandTemplateRedisTests} applies the common ones to a real Redis.
 */
class CommandTemplateRenderingTests {

	static final TableId ORDERS = new TableId("sales", "orders");

	static final List<String> COLUMNS = List.of("id", "customer_id", "status", "total", "note", "tags", "paid_at",
			"data");

	static final TableColumns TABLE = new TableColumns(ORDERS, COLUMNS, List.of("id"), false);

	static final TableColumns FULL = new TableColumns(ORDERS, COLUMNS, List.of("id"), true);

	static final Lsn LSN = Lsn.parse("16/B374D848");

	/** The new image: order 7 of customer 42, paid, with a null note. */
	static Row after(String status, boolean noteUnchanged) {
		return row(COLUMNS, new Object[] { 7L, 42L, status, new BigDecimal("12.50"), null, List.of("a", "b c"),
				OffsetDateTime.parse("2026-01-02T03:04:05.123456Z"), "raw".getBytes(StandardCharsets.UTF_8) },
				noteUnchanged);
	}

	static Row row(List<String> columns, Object[] values, boolean noteUnchanged) {
		boolean[] unchanged = new boolean[columns.size()];
		unchanged[columns.indexOf("note") >= 0 ? columns.indexOf("note") : 0] = noteUnchanged;
		return new ValuesRow(ValuesRow.Layout.of(columns, List.of("id")), values, noteUnchanged ? unchanged : null,
				ORDERS.toString(), ValueConverter.simple());
	}

	static Row keyOnly(long id) {
		return new ValuesRow(ValuesRow.Layout.of(List.of("id"), List.of("id")), new Object[] { id }, null,
				ORDERS.toString(), ValueConverter.simple());
	}

	/** The full old image of a REPLICA IDENTITY FULL table: customer 41, status NEW. */
	static Row fullBefore() {
		return row(COLUMNS, new Object[] { 7L, 41L, "NEW", new BigDecimal("10.00"), "old note", List.of(), null, null },
				false);
	}

	static ChangeEvent event(Operation operation, Row before, Row after) {
		return new ChangeEvent(operation, ORDERS, before, after, LSN, LSN, 99L, Instant.parse("2026-01-02T03:04:06Z"));
	}

	static ChangeEvent insert() {
		return event(Operation.INSERT, null, after("PAID", false));
	}

	static List<String> render(String template, Operation operation, TableColumns table, ChangeEvent event) {
		RedisCommand command = CommandTemplate.parse(template, "cdc.redis.mappings.orders.x[0]", table, operation)
			.render(event);
		List<String> rendered = new ArrayList<>();
		rendered.add(command.name());
		Arrays.stream(command.args()).map((arg) -> new String(arg, StandardCharsets.UTF_8)).forEach(rendered::add);
		return rendered;
	}

	static List<String> render(String template, ChangeEvent event) {
		return render(template, event.operation(), TABLE, event);
	}

	static Stream<Arguments> everyCommand() {
		return Stream.of(Arguments.of("SET order:{id} {status}", List.of("SET", "order:7", "PAID")),
				Arguments.of("SET order:{id} {status} EX 60", List.of("SET", "order:7", "PAID", "EX", "60")),
				Arguments.of("SETEX order:{id}:status 3600 {status}", List.of("SETEX", "order:7:status", "3600", "PAID")),
				Arguments.of("MSET {pairs:status,total}", List.of("MSET", "status", "PAID", "total", "12.50")),
				Arguments.of("MSET order:{id}:status {status} order:{id}:total {total}",
						List.of("MSET", "order:7:status", "PAID", "order:7:total", "12.50")),
				Arguments.of("INCR orders:count", List.of("INCR", "orders:count")),
				Arguments.of("DECR orders:open", List.of("DECR", "orders:open")),
				Arguments.of("INCRBY customer:{customer_id}:spent {id}", List.of("INCRBY", "customer:42:spent", "7")),
				Arguments.of("DECRBY stock:{customer_id} {id}", List.of("DECRBY", "stock:42", "7")),
				Arguments.of("APPEND log:{customer_id} '{id} {status};'", List.of("APPEND", "log:42", "7 PAID;")),
				Arguments.of("DEL order:{id} order:{id}:status", List.of("DEL", "order:7", "order:7:status")),
				Arguments.of("EXPIRE order:{id} 86400", List.of("EXPIRE", "order:7", "86400")),
				Arguments.of("EXPIRE order:{id} 86400 NX", List.of("EXPIRE", "order:7", "86400", "NX")),
				Arguments.of("HSET order:{id} {pairs:status,total}", List.of("HSET", "order:7", "status", "PAID", "total", "12.50")),
				Arguments.of("HINCRBY customer:{customer_id} orders 1", List.of("HINCRBY", "customer:42", "orders", "1")),
				Arguments.of("HDEL order:{id} note status", List.of("HDEL", "order:7", "note", "status")),
				Arguments.of("SADD status:{status} {id}", List.of("SADD", "status:PAID", "7")),
				Arguments.of("SREM status:NEW {id}", List.of("SREM", "status:NEW", "7")),
				Arguments.of("ZADD orders:by-total {total} {id}", List.of("ZADD", "orders:by-total", "12.50", "7")),
				Arguments.of("ZINCRBY customers:by-spend {total} {customer_id}",
						List.of("ZINCRBY", "customers:by-spend", "12.50", "42")),
				Arguments.of("ZREM orders:by-total {id}", List.of("ZREM", "orders:by-total", "7")),
				Arguments.of("XADD orders:stream * id {id} status {status}",
						List.of("XADD", "orders:stream", "*", "id", "7", "status", "PAID")),
				Arguments.of("XADD orders:stream MAXLEN ~ 1000 * {pairs:id,total}",
						List.of("XADD", "orders:stream", "MAXLEN", "~", "1000", "*", "id", "7", "total", "12.50")),
				Arguments.of("XDEL orders:stream {id}-0", List.of("XDEL", "orders:stream", "7-0")),
				Arguments.of("PUBLISH orders:{status} {json:id,total}",
						List.of("PUBLISH", "orders:PAID", "{\"id\":7,\"total\":12.50}")),
				Arguments.of("LPUSH customer:{customer_id}:orders {id}", List.of("LPUSH", "customer:42:orders", "7")),
				Arguments.of("RPUSH customer:{customer_id}:log {status} {total}",
						List.of("RPUSH", "customer:42:log", "PAID", "12.50")),
				Arguments.of("LTRIM customer:{customer_id}:orders 0 9", List.of("LTRIM", "customer:42:orders", "0", "9")),
				Arguments.of("LREM customer:{customer_id}:orders 0 {id}", List.of("LREM", "customer:42:orders", "0", "7")));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("everyCommand")
	void everySupportedCommandRenders(String template, List<String> expected) {
		assertThat(render(template, insert())).containsExactlyElementsOf(expected);
	}

	@Test
	void everySupportedCommandIsCoveredAndTheDocumentedListIsComplete() {
		List<String> covered = everyCommand().map((arguments) -> ((String) arguments.get()[0]).split(" ")[0]).distinct()
			.sorted()
			.toList();
		// the message for an unsupported command lists every supported one
		assertThatIllegalStateException().isThrownBy(() -> render("GETDEL x", insert()))
			.withMessageEndingWith("which mappings do not support; use one of " + String.join(", ", covered));
	}

	@Test
	void columnPlaceholderTakesTheNewImageAndTheOldOneForADelete() {
		assertThat(render("SET a {status}", insert())).containsExactly("SET", "a", "PAID");
		ChangeEvent delete = event(Operation.DELETE, keyOnly(7), null);
		assertThat(render("DEL order:{id}", delete)).containsExactly("DEL", "order:7");
		ChangeEvent fullDelete = event(Operation.DELETE, fullBefore(), null);
		assertThat(render("SREM customer:{customer_id}:orders {id}", Operation.DELETE, FULL, fullDelete))
			.containsExactly("SREM", "customer:41:orders", "7");
	}

	@Test
	void valuesRenderAsText() {
		ChangeEvent insert = insert();
		assertThat(render("SET a {note}", insert)).as("null is empty").containsExactly("SET", "a", "");
		assertThat(render("SET a {total}", insert)).as("plain notation").containsExactly("SET", "a", "12.50");
		assertThat(render("SET a {tags}", insert)).as("arrays as JSON").containsExactly("SET", "a", "[\"a\",\"b c\"]");
		assertThat(render("SET a {paid_at}", insert)).containsExactly("SET", "a", "2026-01-02T03:04:05.123456Z");
		assertThat(render("SET a {data}", insert)).as("bytea as its bytes").containsExactly("SET", "a", "raw");
	}

	@Test
	void oldPlaceholderTakesTheOldImageAndTheNewOneWhenPostgresSentNone() {
		ChangeEvent moved = event(Operation.UPDATE, fullBefore(), after("PAID", false));
		assertThat(render("LREM customer:{old:customer_id}:orders 0 {id}", Operation.UPDATE, FULL, moved))
			.containsExactly("LREM", "customer:41:orders", "0", "7");
		assertThat(render("SET moved '{old:status} -> {status}'", Operation.UPDATE, FULL, moved))
			.containsExactly("SET", "moved", "NEW -> PAID");
		ChangeEvent sameKey = event(Operation.UPDATE, null, after("PAID", false));
		assertThat(render("DEL order:{old:id}", sameKey)).as("key unchanged: no old image").containsExactly("DEL", "order:7");
		ChangeEvent delete = event(Operation.DELETE, keyOnly(7), null);
		assertThat(render("DEL order:{old:id}", delete)).containsExactly("DEL", "order:7");
	}

	@Test
	void pairsExpandToColumnAndValueArgumentsLeavingUnchangedToastOut() {
		assertThat(render("HSET order:{id} {pairs:*}", insert())).containsExactly("HSET", "order:7", "id", "7",
				"customer_id", "42", "status", "PAID", "total", "12.50", "note", "", "tags", "[\"a\",\"b c\"]", "paid_at",
				"2026-01-02T03:04:05.123456Z", "data", "raw");
		ChangeEvent toast = event(Operation.UPDATE, null, after("SHIPPED", true));
		assertThat(render("HSET order:{id} {pairs:status,note}", toast)).as("the unchanged note is left alone")
			.containsExactly("HSET", "order:7", "status", "SHIPPED");
		ChangeEvent delete = event(Operation.DELETE, keyOnly(7), null);
		assertThat(render("HSET deleted {pairs:*}", delete)).as("a key-only old image").containsExactly("HSET", "deleted",
				"id", "7");
	}

	@Test
	void jsonPlaceholderRendersAJsonObject() {
		assertThat(render("PUBLISH orders {json:id,status,note,tags}", insert())).containsExactly("PUBLISH", "orders",
				"{\"id\":7,\"status\":\"PAID\",\"note\":null,\"tags\":[\"a\",\"b c\"]}");
		assertThat(render("PUBLISH orders {json:*}", insert()).get(2)).startsWith("{\"id\":7,\"customer_id\":42,")
			.contains("\"paid_at\":\"2026-01-02T03:04:05.123456Z\"")
			.endsWith("\"data\":\"cmF3\"}");
		assertThat(render("SET 'order {id}' 'json {json:id}'", insert())).as("inside a quoted argument")
			.containsExactly("SET", "order 7", "json {\"id\":7}");
	}

	@Test
	void metaPlaceholders() {
		assertThat(render("SET {%schema%}.{%table%}:{%pk%} {%op%}@{%lsn%}", insert())).containsExactly("SET",
				"sales.orders:7", "insert@16/B374D848");
		assertThat(render("PUBLISH ops {%op%}", event(Operation.UPDATE, null, after("PAID", false))))
			.containsExactly("PUBLISH", "ops", "update");
		assertThat(render("PUBLISH ops {%op%}", event(Operation.DELETE, keyOnly(7), null))).containsExactly("PUBLISH",
				"ops", "delete");
		assertThat(render("PUBLISH ops {%op%}", event(Operation.SNAPSHOT, null, after("PAID", false))))
			.containsExactly("PUBLISH", "ops", "snapshot");
		List<String> columns = List.of("region", "id", "note");
		TableColumns composite = new TableColumns(ORDERS, columns, List.of("region", "id"), false);
		Row row = new ValuesRow(ValuesRow.Layout.of(columns, List.of("region", "id")), new Object[] { "eu", 7, "x" },
				null, ORDERS.toString(), ValueConverter.simple());
		assertThat(render("DEL order:{%pk%}", Operation.INSERT, composite, event(Operation.INSERT, null, row)))
			.as("key values joined by ':'").containsExactly("DEL", "order:eu:7");
		// under REPLICA IDENTITY FULL PostgreSQL flags every column as identity; {%pk%} is still the primary key
		Row full = new ValuesRow(ValuesRow.Layout.of(List.of("id", "status"), List.of("id", "status")),
				new Object[] { 7L, "PAID" }, null, ORDERS.toString(), ValueConverter.simple());
		TableColumns fullTable = new TableColumns(ORDERS, List.of("id", "status"), List.of("id"), true);
		assertThat(render("DEL order:{%pk%}", Operation.DELETE, fullTable, event(Operation.DELETE, full, null)))
			.containsExactly("DEL", "order:7");
	}

	@Test
	void quotedArgumentsKeepSpacesAndMayBeEmpty() {
		assertThat(render("SET greeting 'hello {status} world'", insert())).containsExactly("SET", "greeting",
				"hello PAID world");
		assertThat(render("'SET' 'a b' ''", insert())).containsExactly("SET", "a b", "");
		assertThat(render("SET  a\t  {id}  ", insert())).as("any whitespace separates").containsExactly("SET", "a", "7");
		assertThat(render("set a {id}", insert())).as("command names in any case").containsExactly("SET", "a", "7");
	}

	@Test
	void doubledBracesAreLiteralBracesForRedisClusterHashTags() {
		assertThat(render("HSET order:{{{id}}} status {status}", insert())).as("hash tag around a placeholder")
			.containsExactly("HSET", "order:{7}", "status", "PAID");
		assertThat(render("SADD customer:{{{customer_id}}}:orders {id}", insert()))
			.containsExactly("SADD", "customer:{42}:orders", "7");
		assertThat(render("SET {{id}} '{{literal}} {id}'", insert())).as("a literal {id}, quoted or not")
			.containsExactly("SET", "{id}", "{literal} 7");
		assertThat(render("SET a}b {{}}", insert())).as("a single closing brace stays").containsExactly("SET", "a}b", "{}");
	}

	@Test
	void badTemplatesNameTheMappingAndTheFix() {
		assertThatIllegalStateException().isThrownBy(() -> render("SET 'a {id}", insert()))
			.withMessage("cdc.redis.mappings.orders.x[0] has an unclosed quote: \"SET 'a {id}\"");
		assertThatIllegalStateException().isThrownBy(() -> render("SET a {%xid%}", insert()))
			.withMessageStartingWith("cdc.redis.mappings.orders.x[0] uses the unknown placeholder {%xid%}; use {column}");
		assertThatIllegalStateException().isThrownBy(() -> render("SET a:{pairs:*} b", insert()))
			.withMessageContaining("{pairs:...} stands for several arguments and must be an argument of its own");
		assertThatIllegalStateException().isThrownBy(() -> render("SET a {old:status}", insert()))
			.withMessage("cdc.redis.mappings.orders.x[0] uses {old:status}, but an insert has no old image; use {status}");
		assertThatIllegalStateException().isThrownBy(() -> render("LTRIM list 0", insert()))
			.withMessage("cdc.redis.mappings.orders.x[0]: LTRIM takes 3 arguments but the template gives 2");
		assertThatIllegalStateException().isThrownBy(() -> render("LPUSH list", insert()))
			.withMessage("cdc.redis.mappings.orders.x[0]: LPUSH takes at least 2 arguments but the template gives 1");
		assertThatIllegalStateException()
			.isThrownBy(() -> render("LREM customer:{old:customer_id}:orders 0 {id}", event(Operation.DELETE, keyOnly(7), null)))
			.withMessageContaining("reads column 'customer_id' of the old row").withMessageContaining("REPLICA IDENTITY FULL");
		TableColumns keyless = new TableColumns(ORDERS, COLUMNS, List.of(), false);
		assertThatIllegalStateException().isThrownBy(() -> render("DEL {%pk%}", Operation.INSERT, keyless, insert()))
			.withMessageContaining("uses {%pk%} but sales.orders has no primary key");
	}

}
