package dev.pgcdc.redis;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

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
 * The key and body JSON of a change in both formats, as the stream sink writes them and other sinks reuse them.
 */
class ChangeEventJsonTests {

	private static final TableId ORDERS = new TableId("public", "orders");

	private static Row row(List<String> keys, Object... values) {
		return new ValuesRow(ValuesRow.Layout.of(List.of("id", "total"), keys), values, null, "public.orders",
				ValueConverter.simple());
	}

	private static ChangeEvent event(Operation operation, Row before, Row after) {
		return new ChangeEvent(operation, ORDERS, before, after, Lsn.parse("0/16B3748"), Lsn.parse("0/16B3800"), 42L,
				Instant.parse("2026-01-02T03:04:05Z"));
	}

	@Test
	void nativeBody() {
		ChangeEvent insert = event(Operation.INSERT, null, row(List.of("id"), 1, new BigDecimal("10.50")));
		ChangeEventJson json = ChangeEventJson.nativeFormat();
		assertThat(json.isDebezium()).isFalse();
		assertThat(json.body(insert)).isEqualTo("{\"op\":\"insert\",\"table\":\"public.orders\",\"lsn\":\"0/16B3748\","
				+ "\"commit_lsn\":\"0/16B3800\",\"commit_time\":\"2026-01-02T03:04:05Z\",\"xid\":42,"
				+ "\"after\":{\"id\":1,\"total\":10.50}}");
		assertThat(json.key(insert)).isEqualTo("{\"id\":1}");
	}

	@Test
	void debeziumBody() {
		ChangeEvent delete = event(Operation.DELETE, row(List.of("id"), 1, new BigDecimal("10.50")), null);
		ChangeEventJson json = ChangeEventJson.forFormat("Debezium", "p.format", DebeziumValueEncoder.defaults(), "slot",
				"shop");
		assertThat(json.isDebezium()).isTrue();
		assertThat(json.body(delete)).startsWith("{\"before\":{\"id\":1,\"total\":{\"scale\":1,\"value\":\"aQ==\"}},"
				+ "\"after\":null,\"source\":{\"version\":\"pgcdc\",\"connector\":\"postgresql\",\"name\":\"slot\","
				+ "\"ts_ms\":1767323045000,\"snapshot\":\"false\",\"db\":\"shop\",\"schema\":\"public\",\"table\":\"orders\","
				+ "\"txId\":42,\"lsn\":23803720},\"op\":\"d\",\"ts_ms\":")
			.endsWith(",\"transaction\":null}");
	}

	@Test
	void keysByThePrimaryKeyWhereTheIdentityIsEveryColumn() {
		ChangeEvent full = event(Operation.DELETE, row(List.of("id", "total"), 1, new BigDecimal("10.50")), null);
		ChangeEventJson json = ChangeEventJson.debezium(DebeziumValueEncoder.defaults(), "slot", "shop");
		assertThat(json.key(full)).as("without a lookup: the identity")
			.isEqualTo("{\"id\":1,\"total\":{\"scale\":1,\"value\":\"aQ==\"}}");
		assertThat(json.withPrimaryKeys((table) -> List.of("id")).key(full)).isEqualTo("{\"id\":1}");
		assertThat(json.withPrimaryKeys((table) -> null).key(full)).as("catalog unreadable: the identity")
			.startsWith("{\"id\":1,\"total\":");
	}

	@Test
	void unknownFormatNamesTheProperty() {
		assertThatIllegalStateException()
			.isThrownBy(() -> ChangeEventJson.forFormat("avro", "cdc.rabbit.format", DebeziumValueEncoder.defaults(), "s", "d"))
			.withMessage("cdc.rabbit.format is 'avro'; use native or debezium");
	}

}
