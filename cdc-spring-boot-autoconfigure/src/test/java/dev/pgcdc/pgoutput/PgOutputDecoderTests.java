package dev.pgcdc.pgoutput;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import dev.pgcdc.pgoutput.PgOutputMessage.Begin;
import dev.pgcdc.pgoutput.PgOutputMessage.BeginPrepare;
import dev.pgcdc.pgoutput.PgOutputMessage.Column;
import dev.pgcdc.pgoutput.PgOutputMessage.Commit;
import dev.pgcdc.pgoutput.PgOutputMessage.CommitPrepared;
import dev.pgcdc.pgoutput.PgOutputMessage.Delete;
import dev.pgcdc.pgoutput.PgOutputMessage.Insert;
import dev.pgcdc.pgoutput.PgOutputMessage.Message;
import dev.pgcdc.pgoutput.PgOutputMessage.Origin;
import dev.pgcdc.pgoutput.PgOutputMessage.Prepare;
import dev.pgcdc.pgoutput.PgOutputMessage.Relation;
import dev.pgcdc.pgoutput.PgOutputMessage.RollbackPrepared;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamAbort;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamCommit;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamStart;
import dev.pgcdc.pgoutput.PgOutputMessage.StreamStop;
import dev.pgcdc.pgoutput.PgOutputMessage.Truncate;
import dev.pgcdc.pgoutput.PgOutputMessage.Type;
import dev.pgcdc.pgoutput.PgOutputMessage.Unknown;
import dev.pgcdc.pgoutput.PgOutputMessage.Update;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.pgcdc.pgoutput.PgOutputBytes.UNCHANGED;
import static dev.pgcdc.pgoutput.PgOutputBytes.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class PgOutputDecoderTests {

	static final Instant TIME = Instant.parse("2024-03-15T12:34:56.789012Z");

	static final Instant LATER = Instant.parse("2024-03-15T12:35:01.000001Z");

	static final long LSN = 0x0000_0016_B374_D848L;

	static final long END_LSN = 0x0000_0016_B374_D9A0L;

	static PgOutputMessage decode(int protoVersion, PgOutputBytes bytes) {
		return new PgOutputDecoder(protoVersion).decode(bytes.toBuffer());
	}

	static void assertTuple(TupleData tuple, Object... expected) {
		assertThat(tuple.columnCount()).isEqualTo(expected.length);
		for (int i = 0; i < expected.length; i++) {
			Object value = expected[i];
			if (value == null) {
				assertThat(tuple.kind(i)).as("kind of column %d", i).isEqualTo(TupleData.NULL);
				assertThat(tuple.isNull(i)).isTrue();
				assertThat(tuple.text(i)).isNull();
				assertThat(tuple.bytes(i)).isNull();
			}
			else if (value == UNCHANGED) {
				assertThat(tuple.kind(i)).as("kind of column %d", i).isEqualTo(TupleData.UNCHANGED_TOAST);
				assertThat(tuple.isUnchangedToast(i)).isTrue();
				assertThat(tuple.text(i)).isNull();
			}
			else if (value instanceof String text) {
				assertThat(tuple.kind(i)).as("kind of column %d", i).isEqualTo(TupleData.TEXT);
				assertThat(tuple.text(i)).as("text of column %d", i).isEqualTo(text);
				assertThat(tuple.length(i)).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
			}
			else {
				assertThat(tuple.kind(i)).as("kind of column %d", i).isEqualTo(TupleData.BINARY);
				assertThat(tuple.bytes(i)).as("bytes of column %d", i).isEqualTo((byte[]) value);
			}
		}
	}

	@Test
	void rejectsUnsupportedProtocolVersions() {
		assertThatIllegalArgumentException().isThrownBy(() -> new PgOutputDecoder(0))
			.withMessageContaining("protocol version 0");
		assertThatIllegalArgumentException().isThrownBy(() -> new PgOutputDecoder(5))
			.withMessageContaining("protocol version 5");
		assertThat(new PgOutputDecoder(4).protoVersion()).isEqualTo(4);
	}

	@Nested
	class Transactions {

		@Test
		void begin() {
			PgOutputMessage decoded = decode(1, message('B').int64(LSN).timestamp(TIME).int32(734));
			assertThat(decoded).isEqualTo(new Begin(LSN, TIME, 734));
		}

		@Test
		void beginWithXidAboveSignedIntRange() {
			PgOutputMessage decoded = decode(1, message('B').int64(LSN).timestamp(TIME).int32(0xFFFF_FFF0));
			assertThat(((Begin) decoded).xid()).isEqualTo(0xFFFF_FFF0L);
		}

		@Test
		void commit() {
			PgOutputMessage decoded = decode(1,
					message('C').int8(0).int64(LSN).int64(END_LSN).timestamp(TIME));
			assertThat(decoded).isEqualTo(new Commit(0, LSN, END_LSN, TIME));
		}

		@Test
		void lsnWithHighBitSet() {
			long lsn = 0xFFFF_FFFF_0000_0001L;
			PgOutputMessage decoded = decode(1, message('C').int8(0).int64(lsn).int64(-1L).timestamp(TIME));
			assertThat(decoded).isEqualTo(new Commit(0, lsn, -1L, TIME));
		}

		@Test
		void origin() {
			PgOutputMessage decoded = decode(1, message('O').int64(LSN).string("pg_16390"));
			assertThat(decoded).isEqualTo(new Origin(LSN, "pg_16390"));
		}

		@Test
		void originWithUnicodeName() {
			PgOutputMessage decoded = decode(1, message('O').int64(LSN).string("źródło-日本"));
			assertThat(decoded).isEqualTo(new Origin(LSN, "źródło-日本"));
		}

	}

	@Nested
	class Relations {

		@Test
		void relationWithKeyColumns() {
			PgOutputBytes bytes = message('R').int32(16_385)
				.string("public")
				.string("orders")
				.int8('d')
				.int16(3)
				.column(true, "id", 20, -1)
				.column(false, "note", 1043, 104)
				.column(false, "total", 1700, 655_366);
			Relation relation = (Relation) decode(1, bytes);
			assertThat(relation.xid()).isZero();
			assertThat(relation.oid()).isEqualTo(16_385);
			assertThat(relation.namespace()).isEqualTo("public");
			assertThat(relation.name()).isEqualTo("orders");
			assertThat(relation.replicaIdentity()).isEqualTo('d');
			assertThat(relation.columns()).containsExactly(new Column(true, "id", 20, -1),
					new Column(false, "note", 1043, 104), new Column(false, "total", 1700, 655_366));
		}

		@Test
		void emptyNamespaceIsPgCatalog() {
			PgOutputBytes bytes = message('R').int32(1262).string("").string("pg_database").int8('n').int16(0);
			Relation relation = (Relation) decode(1, bytes);
			assertThat(relation.namespace()).isEqualTo("pg_catalog");
			assertThat(relation.replicaIdentity()).isEqualTo('n');
			assertThat(relation.columns()).isEmpty();
		}

		@ParameterizedTest
		@ValueSource(chars = { 'd', 'n', 'f', 'i' })
		void replicaIdentity(char identity) {
			PgOutputBytes bytes = message('R').int32(1).string("s").string("t").int8(identity).int16(0);
			assertThat(((Relation) decode(1, bytes)).replicaIdentity()).isEqualTo(identity);
		}

		@Test
		void unicodeNames() {
			PgOutputBytes bytes = message('R').int32(16_400)
				.string("łódź")
				.string("zamówienia_日本")
				.int8('f')
				.int16(2)
				.column(true, "identyfikator_é", 23, -1)
				.column(false, "🙂", 25, -1);
			Relation relation = (Relation) decode(1, bytes);
			assertThat(relation.namespace()).isEqualTo("łódź");
			assertThat(relation.name()).isEqualTo("zamówienia_日本");
			assertThat(relation.columns()).extracting(Column::name).containsExactly("identyfikator_é", "🙂");
		}

		@Test
		void columnFlagsOtherThanKeyBitAreIgnored() {
			PgOutputBytes bytes = message('R').int32(1)
				.string("s")
				.string("t")
				.int8('i')
				.int16(2)
				.int8(0xFE)
				.string("a")
				.int32(23)
				.int32(-1)
				.int8(0x03)
				.string("b")
				.int32(23)
				.int32(-1);
			Relation relation = (Relation) decode(1, bytes);
			assertThat(relation.columns()).extracting(Column::key).containsExactly(false, true);
		}

		@Test
		void relationOidAboveSignedIntRange() {
			PgOutputBytes bytes = message('R').int32(0xFFFF_0000).string("s").string("t").int8('d').int16(0);
			PgOutputDecoder decoder = new PgOutputDecoder(1);
			Relation relation = (Relation) decoder.decode(bytes.toBuffer());
			assertThat(Integer.toUnsignedLong(relation.oid())).isEqualTo(0xFFFF_0000L);
			assertThat(decoder.relation(0xFFFF_0000)).isSameAs(relation);
		}

		@Test
		void type() {
			PgOutputMessage decoded = decode(1, message('Y').int32(16_500).string("public").string("mood"));
			assertThat(decoded).isEqualTo(new Type(0, 16_500, "public", "mood"));
		}

		@Test
		void typeInPgCatalog() {
			PgOutputMessage decoded = decode(1, message('Y').int32(16_501).string("").string("my_type"));
			assertThat(decoded).isEqualTo(new Type(0, 16_501, "pg_catalog", "my_type"));
		}

	}

	@Nested
	class Changes {

		@Test
		void insertWithEveryColumnKind() {
			byte[] binary = { 0, 1, (byte) 0xFF, 0x7F };
			PgOutputBytes bytes = message('I').int32(16_385)
				.int8('N')
				.tuple("42", null, UNCHANGED, binary, "hello");
			Insert insert = (Insert) decode(1, bytes);
			assertThat(insert.xid()).isZero();
			assertThat(insert.relationOid()).isEqualTo(16_385);
			assertTuple(insert.newTuple(), "42", null, UNCHANGED, binary, "hello");
			assertThat(insert.newTuple().length(1)).isZero();
			assertThat(insert.newTuple().length(2)).isZero();
		}

		@Test
		void insertWithUnicodeAndEmptyValues() {
			PgOutputBytes bytes = message('I').int32(1).int8('N').tuple("", "Zażółć gęślą jaźń", "日本語", "🙂", "");
			Insert insert = (Insert) decode(1, bytes);
			assertTuple(insert.newTuple(), "", "Zażółć gęślą jaźń", "日本語", "🙂", "");
		}

		@Test
		void insertWithNoColumns() {
			Insert insert = (Insert) decode(1, message('I').int32(1).int8('N').tuple());
			assertThat(insert.newTuple().columnCount()).isZero();
		}

		@Test
		void tupleValuesPointIntoTheMessageWithoutCopying() {
			PgOutputBytes bytes = message('I').int32(1).int8('N').tuple(null, "abc");
			byte[] array = bytes.toArray();
			Insert insert = (Insert) new PgOutputDecoder(1).decode(ByteBuffer.wrap(array));
			TupleData tuple = insert.newTuple();
			assertThat(tuple.buffer()).isSameAs(array);
			// type 1 + oid 4 + 'N' 1 + count 2 + 'n' 1 + 't' 1 + length 4
			assertThat(tuple.offset(1)).isEqualTo(14);
			assertThat(tuple.length(1)).isEqualTo(3);
		}

		@Test
		void updateWithoutOldTuple() {
			PgOutputBytes bytes = message('U').int32(16_385).int8('N').tuple("1", "new");
			Update update = (Update) decode(1, bytes);
			assertThat(update.xid()).isZero();
			assertThat(update.relationOid()).isEqualTo(16_385);
			assertThat(update.oldKind()).isEqualTo((char) 0);
			assertThat(update.oldTuple()).isNull();
			assertTuple(update.newTuple(), "1", "new");
		}

		@Test
		void updateWithOldKey() {
			PgOutputBytes bytes = message('U').int32(16_385)
				.int8('K')
				.tuple("1", null)
				.int8('N')
				.tuple("2", UNCHANGED);
			Update update = (Update) decode(1, bytes);
			assertThat(update.oldKind()).isEqualTo('K');
			assertTuple(update.oldTuple(), "1", null);
			assertTuple(update.newTuple(), "2", UNCHANGED);
		}

		@Test
		void updateWithOldRow() {
			PgOutputBytes bytes = message('U').int32(16_385)
				.int8('O')
				.tuple("1", "before", null)
				.int8('N')
				.tuple("1", "after", "x");
			Update update = (Update) decode(1, bytes);
			assertThat(update.oldKind()).isEqualTo('O');
			assertTuple(update.oldTuple(), "1", "before", null);
			assertTuple(update.newTuple(), "1", "after", "x");
		}

		@Test
		void deleteWithKey() {
			Delete delete = (Delete) decode(1, message('D').int32(16_385).int8('K').tuple("7", null, null));
			assertThat(delete.xid()).isZero();
			assertThat(delete.relationOid()).isEqualTo(16_385);
			assertThat(delete.oldKind()).isEqualTo('K');
			assertTuple(delete.oldTuple(), "7", null, null);
		}

		@Test
		void deleteWithOldRow() {
			Delete delete = (Delete) decode(1, message('D').int32(16_385).int8('O').tuple("7", "gone", UNCHANGED));
			assertThat(delete.oldKind()).isEqualTo('O');
			assertTuple(delete.oldTuple(), "7", "gone", UNCHANGED);
		}

		@Test
		void truncate() {
			Truncate truncate = (Truncate) decode(1,
					message('T').int32(3).int8(3).int32(16_385).int32(16_390).int32(0xFFFF_FFFE));
			assertThat(truncate.xid()).isZero();
			assertThat(truncate.options()).isEqualTo(3);
			assertThat(truncate.relationOids()).containsExactly(16_385, 16_390, 0xFFFF_FFFE);
		}

		@Test
		void truncateWithoutRelations() {
			Truncate truncate = (Truncate) decode(1, message('T').int32(0).int8(0));
			assertThat(truncate.relationOids()).isEmpty();
		}

		@Test
		void transactionalMessage() {
			PgOutputBytes bytes = message('M').int8(1).int64(LSN).string("audit").int32(5).raw(bytes("hello"));
			Message message = (Message) decode(1, bytes);
			assertThat(message.xid()).isZero();
			assertThat(message.flags()).isEqualTo(1);
			assertThat(message.transactional()).isTrue();
			assertThat(message.lsn()).isEqualTo(LSN);
			assertThat(message.prefix()).isEqualTo("audit");
			assertThat(message.content()).isEqualTo(bytes("hello"));
		}

		@Test
		void nonTransactionalMessageWithEmptyPrefixAndContent() {
			Message message = (Message) decode(1, message('M').int8(0).int64(LSN).string("").int32(0));
			assertThat(message.transactional()).isFalse();
			assertThat(message.prefix()).isEmpty();
			assertThat(message.content()).isEmpty();
		}

		@Test
		void messageWithUnicodePrefixAndContent() {
			byte[] content = bytes("{\"name\":\"Jürgen 日本\"}");
			PgOutputBytes bytes = message('M').int8(1).int64(LSN).string("préfixe/🙂").int32(content.length).raw(content);
			Message message = (Message) decode(1, bytes);
			assertThat(message.prefix()).isEqualTo("préfixe/🙂");
			assertThat(new String(message.content(), StandardCharsets.UTF_8)).isEqualTo("{\"name\":\"Jürgen 日本\"}");
		}

		@Test
		void messageContentIsCopied() {
			byte[] array = message('M').int8(1).int64(LSN).string("p").int32(3).raw(bytes("abc")).toArray();
			Message message = (Message) new PgOutputDecoder(1).decode(ByteBuffer.wrap(array));
			array[array.length - 1] = 'z';
			assertThat(message.content()).isEqualTo(bytes("abc"));
		}

		@Test
		void protocolTwoOutsideStreamsHasNoXid() {
			Insert insert = (Insert) decode(2, message('I').int32(16_385).int8('N').tuple("1"));
			assertThat(insert.xid()).isZero();
			assertThat(insert.relationOid()).isEqualTo(16_385);
		}

	}

	@Nested
	class Streaming {

		private final PgOutputDecoder decoder = new PgOutputDecoder(2);

		private PgOutputMessage decode(PgOutputBytes bytes) {
			return this.decoder.decode(bytes.toBuffer());
		}

		private void startStream(int xid) {
			assertThat(decode(message('S').int32(xid).int8(1)))
				.isEqualTo(new StreamStart(Integer.toUnsignedLong(xid), true));
			assertThat(this.decoder.inStream()).isTrue();
		}

		@Test
		void streamStartAndStop() {
			assertThat(this.decoder.inStream()).isFalse();
			assertThat(decode(message('S').int32(900).int8(1))).isEqualTo(new StreamStart(900, true));
			assertThat(this.decoder.inStream()).isTrue();
			assertThat(decode(message('E'))).isEqualTo(new StreamStop());
			assertThat(this.decoder.inStream()).isFalse();
			assertThat(decode(message('S').int32(900).int8(0))).isEqualTo(new StreamStart(900, false));
		}

		@Test
		void streamedRelationCarriesXidAndIsCached() {
			startStream(901);
			PgOutputBytes bytes = message('R').int32(901)
				.int32(16_385)
				.string("")
				.string("t")
				.int8('d')
				.int16(1)
				.column(true, "id", 23, -1);
			Relation relation = (Relation) decode(bytes);
			assertThat(relation.xid()).isEqualTo(901);
			assertThat(relation.oid()).isEqualTo(16_385);
			assertThat(relation.namespace()).isEqualTo("pg_catalog");
			assertThat(this.decoder.relation(16_385)).isSameAs(relation);
		}

		@Test
		void streamedType() {
			startStream(902);
			assertThat(decode(message('Y').int32(902).int32(16_500).string("public").string("mood")))
				.isEqualTo(new Type(902, 16_500, "public", "mood"));
		}

		@Test
		void streamedInsert() {
			startStream(903);
			Insert insert = (Insert) decode(message('I').int32(903).int32(16_385).int8('N').tuple("1", null));
			assertThat(insert.xid()).isEqualTo(903);
			assertThat(insert.relationOid()).isEqualTo(16_385);
			assertTuple(insert.newTuple(), "1", null);
		}

		@Test
		void streamedUpdate() {
			startStream(904);
			Update update = (Update) decode(
					message('U').int32(904).int32(16_385).int8('K').tuple("1").int8('N').tuple("2"));
			assertThat(update.xid()).isEqualTo(904);
			assertThat(update.relationOid()).isEqualTo(16_385);
			assertThat(update.oldKind()).isEqualTo('K');
			assertTuple(update.oldTuple(), "1");
			assertTuple(update.newTuple(), "2");
		}

		@Test
		void streamedDelete() {
			startStream(905);
			Delete delete = (Delete) decode(message('D').int32(905).int32(16_385).int8('O').tuple("1", "x"));
			assertThat(delete.xid()).isEqualTo(905);
			assertThat(delete.relationOid()).isEqualTo(16_385);
			assertTuple(delete.oldTuple(), "1", "x");
		}

		@Test
		void streamedTruncate() {
			startStream(906);
			Truncate truncate = (Truncate) decode(message('T').int32(906).int32(1).int8(1).int32(16_385));
			assertThat(truncate.xid()).isEqualTo(906);
			assertThat(truncate.options()).isEqualTo(1);
			assertThat(truncate.relationOids()).containsExactly(16_385);
		}

		@Test
		void streamedMessage() {
			startStream(907);
			Message message = (Message) decode(
					message('M').int32(907).int8(1).int64(LSN).string("p").int32(2).raw(bytes("hi")));
			assertThat(message.xid()).isEqualTo(907);
			assertThat(message.prefix()).isEqualTo("p");
			assertThat(message.content()).isEqualTo(bytes("hi"));
		}

		@Test
		void streamedXidAboveSignedIntRange() {
			startStream(0xFFFF_FFFD);
			Insert insert = (Insert) decode(message('I').int32(0xFFFF_FFFD).int32(1).int8('N').tuple());
			assertThat(insert.xid()).isEqualTo(0xFFFF_FFFDL);
		}

		@Test
		void changesAfterStreamStopHaveNoXid() {
			startStream(908);
			decode(message('E'));
			Insert insert = (Insert) decode(message('I').int32(16_385).int8('N').tuple("1"));
			assertThat(insert.xid()).isZero();
			assertThat(insert.relationOid()).isEqualTo(16_385);
		}

		@Test
		void streamCommit() {
			assertThat(decode(message('c').int32(909).int8(0).int64(LSN).int64(END_LSN).timestamp(TIME)))
				.isEqualTo(new StreamCommit(909, 0, LSN, END_LSN, TIME));
		}

		@Test
		void streamAbortInProtocolTwo() {
			assertThat(decode(message('A').int32(910).int32(911))).isEqualTo(new StreamAbort(910, 911, 0, null));
		}

		@Test
		void streamAbortInProtocolFourWithParallelStreaming() {
			PgOutputDecoder decoder = new PgOutputDecoder(4);
			PgOutputMessage decoded = decoder
				.decode(message('A').int32(910).int32(910).int64(LSN).timestamp(TIME).toBuffer());
			assertThat(decoded).isEqualTo(new StreamAbort(910, 910, LSN, TIME));
		}

		@Test
		void streamAbortInProtocolFourWithoutParallelStreaming() {
			PgOutputDecoder decoder = new PgOutputDecoder(4);
			assertThat(decoder.decode(message('A').int32(910).int32(912).toBuffer()))
				.isEqualTo(new StreamAbort(910, 912, 0, null));
		}

		@Test
		void streamAbortInProtocolFourWithPartialAbortInfoIsTruncated() {
			PgOutputDecoder decoder = new PgOutputDecoder(4);
			assertThatIllegalArgumentException()
				.isThrownBy(() -> decoder.decode(message('A').int32(910).int32(912).int32(0).toBuffer()))
				.withMessage("Truncated pgoutput message 'A' at offset 9: need 8 more bytes but only 4 left");
		}

		@Test
		void streamPrepare() {
			PgOutputMessage decoded = decode(
					message('p').int8(0).int64(LSN).int64(END_LSN).timestamp(TIME).int32(913).string("gid-913"));
			assertThat(decoded).isEqualTo(new Prepare(0, LSN, END_LSN, TIME, 913, "gid-913", true));
		}

		@Test
		void interleavedStreamsAndRegularTransaction() {
			startStream(920);
			assertThat(((Insert) decode(message('I').int32(920).int32(1).int8('N').tuple("a"))).xid()).isEqualTo(920);
			decode(message('E'));
			assertThat(decode(message('B').int64(LSN).timestamp(TIME).int32(921))).isEqualTo(new Begin(LSN, TIME, 921));
			assertThat(((Insert) decode(message('I').int32(1).int8('N').tuple("b"))).xid()).isZero();
			decode(message('C').int8(0).int64(LSN).int64(END_LSN).timestamp(TIME));
			decode(message('S').int32(920).int8(0));
			assertThat(((Insert) decode(message('I').int32(920).int32(1).int8('N').tuple("c"))).xid()).isEqualTo(920);
		}

	}

	@Nested
	class TwoPhase {

		@Test
		void beginPrepare() {
			PgOutputMessage decoded = decode(3,
					message('b').int64(LSN).int64(END_LSN).timestamp(TIME).int32(800).string("gid-1"));
			assertThat(decoded).isEqualTo(new BeginPrepare(LSN, END_LSN, TIME, 800, "gid-1"));
		}

		@Test
		void prepare() {
			PgOutputMessage decoded = decode(3,
					message('P').int8(0).int64(LSN).int64(END_LSN).timestamp(TIME).int32(800).string("gid-1"));
			assertThat(decoded).isEqualTo(new Prepare(0, LSN, END_LSN, TIME, 800, "gid-1", false));
		}

		@Test
		void commitPrepared() {
			PgOutputMessage decoded = decode(3,
					message('K').int8(0).int64(LSN).int64(END_LSN).timestamp(TIME).int32(800).string("gid-1"));
			assertThat(decoded).isEqualTo(new CommitPrepared(0, LSN, END_LSN, TIME, 800, "gid-1"));
		}

		@Test
		void rollbackPrepared() {
			PgOutputMessage decoded = decode(3, message('r').int8(0)
				.int64(LSN)
				.int64(END_LSN)
				.timestamp(TIME)
				.timestamp(LATER)
				.int32(800)
				.string("gid-ünïcode"));
			assertThat(decoded).isEqualTo(new RollbackPrepared(0, LSN, END_LSN, TIME, LATER, 800, "gid-ünïcode"));
		}

		@Test
		void emptyGid() {
			PgOutputMessage decoded = decode(3,
					message('P').int8(0).int64(LSN).int64(END_LSN).timestamp(TIME).int32(800).string(""));
			assertThat(((Prepare) decoded).gid()).isEmpty();
		}

	}

	@Nested
	class Buffers {

		private final PgOutputBytes insert = message('I').int32(16_385).int8('N').tuple("abc", null, "日本");

		@Test
		void bufferAtNonZeroPositionOfLargerArray() {
			ByteBuffer buffer = this.insert.inLargerArray(37, 11);
			assertThat(buffer.position()).isEqualTo(37);
			Insert decoded = (Insert) new PgOutputDecoder(1).decode(buffer);
			assertThat(decoded.relationOid()).isEqualTo(16_385);
			assertTuple(decoded.newTuple(), "abc", null, "日本");
			assertThat(decoded.newTuple().buffer()).isSameAs(buffer.array());
			assertThat(decoded.newTuple().offset(0)).isEqualTo(37 + 13);
		}

		@Test
		void sliceWithArrayOffset() {
			ByteBuffer larger = this.insert.inLargerArray(21, 5);
			ByteBuffer slice = larger.slice();
			assertThat(slice.arrayOffset()).isEqualTo(21);
			assertThat(slice.position()).isZero();
			Insert decoded = (Insert) new PgOutputDecoder(1).decode(slice);
			assertTuple(decoded.newTuple(), "abc", null, "日本");
			assertThat(decoded.newTuple().buffer()).isSameAs(larger.array());
			assertThat(decoded.newTuple().offset(0)).isEqualTo(21 + 13);
		}

		@Test
		void sliceWithArrayOffsetAndPosition() {
			ByteBuffer slice = this.insert.inLargerArray(40, 3).position(10).slice();
			slice.position(30);
			Insert decoded = (Insert) new PgOutputDecoder(1).decode(slice);
			assertTuple(decoded.newTuple(), "abc", null, "日本");
			assertThat(decoded.newTuple().offset(0)).isEqualTo(40 + 13);
		}

		@Test
		void limitBeforeEndOfArrayIsRespected() {
			byte[] message = message('O').int64(LSN).string("origin").toArray();
			byte[] larger = new byte[message.length + 10];
			System.arraycopy(message, 0, larger, 0, message.length);
			// Without the limit the name's NUL would be found; with it the name is unterminated.
			ByteBuffer buffer = ByteBuffer.wrap(larger, 0, message.length - 1);
			assertThatIllegalArgumentException().isThrownBy(() -> new PgOutputDecoder(1).decode(buffer))
				.withMessageContaining("not NUL-terminated");
		}

		@Test
		void readOnlyBuffer() {
			ByteBuffer buffer = this.insert.inLargerArray(9, 9).asReadOnlyBuffer();
			assertThat(buffer.hasArray()).isFalse();
			Insert decoded = (Insert) new PgOutputDecoder(1).decode(buffer);
			assertTuple(decoded.newTuple(), "abc", null, "日本");
			// The values point into a private copy of the message.
			assertThat(decoded.newTuple().buffer()).hasSize(this.insert.size());
			assertThat(decoded.newTuple().offset(0)).isEqualTo(13);
		}

		@Test
		void directBuffer() {
			ByteBuffer buffer = ByteBuffer.allocateDirect(this.insert.size() + 20);
			buffer.position(13);
			buffer.put(this.insert.toArray());
			buffer.flip().position(13);
			Insert decoded = (Insert) new PgOutputDecoder(1).decode(buffer);
			assertThat(decoded.relationOid()).isEqualTo(16_385);
			assertTuple(decoded.newTuple(), "abc", null, "日本");
		}

		@Test
		void positionIsLeftUnchanged() {
			ByteBuffer heap = this.insert.inLargerArray(5, 5);
			ByteBuffer direct = ByteBuffer.allocateDirect(this.insert.size()).put(this.insert.toArray()).flip();
			new PgOutputDecoder(1).decode(heap);
			new PgOutputDecoder(1).decode(direct);
			assertThat(heap.position()).isEqualTo(5);
			assertThat(heap.limit()).isEqualTo(5 + this.insert.size());
			assertThat(direct.position()).isZero();
		}

	}

	@Nested
	class UnknownMessages {

		@Test
		void unknownTypeIsReturnedWithItsLength() {
			PgOutputMessage decoded = decode(1, message('Z').int32(1).int32(2).int8(3));
			assertThat(decoded).isEqualTo(new Unknown((byte) 'Z', 9));
		}

		@Test
		void unknownTypeWithoutBody() {
			assertThat(decode(1, message(0xF0))).isEqualTo(new Unknown((byte) 0xF0, 0));
		}

		@Test
		void decodingContinuesAfterUnknownType() {
			PgOutputDecoder decoder = new PgOutputDecoder(1);
			decoder.decode(message('Z').int32(1).toBuffer());
			assertThat(decoder.decode(message('O').int64(LSN).string("o").toBuffer())).isEqualTo(new Origin(LSN, "o"));
		}

		private static PgOutputBytes message(int type) {
			return PgOutputBytes.message((char) type);
		}

	}

	@Nested
	class Errors {

		private final PgOutputDecoder decoder = new PgOutputDecoder(2);

		@Test
		void emptyBuffer() {
			assertThatIllegalArgumentException().isThrownBy(() -> this.decoder.decode(ByteBuffer.allocate(0)))
				.withMessage("Empty pgoutput message");
		}

		@Test
		void truncatedInsertRelationOid() {
			ByteBuffer buffer = message('I').int32(16_385).int8('N').tuple("1").truncatedTo(3);
			assertThatIllegalArgumentException().isThrownBy(() -> this.decoder.decode(buffer))
				.withMessage("Truncated pgoutput message 'I' at offset 1: need 4 more bytes but only 2 left");
		}

		@Test
		void truncatedTupleValue() {
			PgOutputBytes bytes = message('I').int32(16_385).int8('N').tuple("hello");
			ByteBuffer buffer = bytes.truncatedTo(bytes.size() - 2);
			assertThatIllegalArgumentException().isThrownBy(() -> this.decoder.decode(buffer))
				.withMessage("Truncated pgoutput message 'I' at offset 13: need 5 more bytes but only 3 left");
		}

		@Test
		void truncatedAtNonZeroPositionReportsOffsetWithinMessage() {
			byte[] message = message('B').int64(LSN).timestamp(TIME).int32(1).toArray();
			ByteBuffer buffer = ByteBuffer.allocate(100).position(50).put(message, 0, 18).flip().position(50);
			assertThatIllegalArgumentException().isThrownBy(() -> this.decoder.decode(buffer))
				.withMessage("Truncated pgoutput message 'B' at offset 17: need 4 more bytes but only 1 left");
		}

		@Test
		void unterminatedString() {
			ByteBuffer buffer = ByteBuffer.wrap(message('O').int64(LSN).raw(bytes("name")).toArray());
			assertThatIllegalArgumentException().isThrownBy(() -> this.decoder.decode(buffer))
				.withMessage("Truncated pgoutput message 'O' at offset 9: string not NUL-terminated (4 bytes left)");
		}

		@Test
		void negativeValueLength() {
			ByteBuffer buffer = message('I').int32(1).int8('N').int16(1).int8('t').int32(-5).toBuffer();
			assertThatIllegalArgumentException().isThrownBy(() -> this.decoder.decode(buffer))
				.withMessage("Malformed pgoutput message 'I' at offset 9: negative length -5");
		}

		@Test
		void unknownColumnKind() {
			ByteBuffer buffer = message('I').int32(1).int8('N').int16(2).int8('n').int8('x').toBuffer();
			assertThatIllegalArgumentException().isThrownBy(() -> this.decoder.decode(buffer))
				.withMessage("Malformed pgoutput message 'I' at offset 9: unknown kind 'x' for tuple column 1");
		}

		@Test
		void insertWithoutNewTupleMarker() {
			ByteBuffer buffer = message('I').int32(1).int8('K').tuple("1").toBuffer();
			assertThatIllegalArgumentException().isThrownBy(() -> this.decoder.decode(buffer))
				.withMessageStartingWith("Malformed pgoutput message 'I'")
				.withMessageContaining("expected 'N' before the new tuple but found 'K'");
		}

		@Test
		void updateWithUnexpectedMarker() {
			ByteBuffer buffer = message('U').int32(1).int8('K').tuple("1").int8('X').tuple("2").toBuffer();
			assertThatIllegalArgumentException().isThrownBy(() -> this.decoder.decode(buffer))
				.withMessageContaining("expected 'N' before the new tuple but found 'X'");
		}

		@Test
		void deleteWithoutOldTupleMarker() {
			ByteBuffer buffer = message('D').int32(1).int8('N').tuple("1").toBuffer();
			assertThatIllegalArgumentException().isThrownBy(() -> this.decoder.decode(buffer))
				.withMessageContaining("expected 'K' or 'O' before the old tuple but found 'N'");
		}

		@Test
		void hugeColumnCountDoesNotAllocate() {
			ByteBuffer buffer = message('I').int32(1).int8('N').int16(0xFFFF).int8('n').toBuffer();
			assertThatIllegalArgumentException().isThrownBy(() -> this.decoder.decode(buffer))
				.withMessage("Truncated pgoutput message 'I' at offset 8: need 65535 more bytes but only 1 left");
		}

		@Test
		void hugeTruncateCount() {
			ByteBuffer buffer = message('T').int32(Integer.MAX_VALUE).int8(0).int32(1).toBuffer();
			assertThatIllegalArgumentException().isThrownBy(() -> this.decoder.decode(buffer))
				.withMessageContaining("need 8589934588 more bytes but only 4 left");
		}

		@Test
		void negativeTruncateCount() {
			ByteBuffer buffer = message('T').int32(-1).int8(0).toBuffer();
			assertThatIllegalArgumentException().isThrownBy(() -> this.decoder.decode(buffer))
				.withMessageContaining("negative relation count -1");
		}

		@Test
		void negativeMessageLength() {
			ByteBuffer buffer = message('M').int8(0).int64(LSN).string("p").int32(-1).toBuffer();
			assertThatIllegalArgumentException().isThrownBy(() -> this.decoder.decode(buffer))
				.withMessageContaining("negative length -1");
		}

		@Test
		void everyStrictPrefixOfEveryMessageIsRejected() {
			List<PgOutputBytes> messages = List.of(message('B').int64(LSN).timestamp(TIME).int32(1),
					message('C').int8(0).int64(LSN).int64(END_LSN).timestamp(TIME),
					message('O').int64(LSN).string("o"),
					message('R').int32(1).string("s").string("t").int8('d').int16(1).column(true, "id", 23, -1),
					message('Y').int32(1).string("s").string("t"),
					message('I').int32(1).int8('N').tuple("a", null, UNCHANGED, new byte[] { 1 }),
					message('U').int32(1).int8('O').tuple("a").int8('N').tuple("b"),
					message('D').int32(1).int8('K').tuple("a"),
					message('T').int32(2).int8(0).int32(1).int32(2),
					message('M').int8(1).int64(LSN).string("p").int32(2).raw(bytes("xy")),
					message('S').int32(1).int8(1),
					message('c').int32(1).int8(0).int64(LSN).int64(END_LSN).timestamp(TIME),
					message('A').int32(1).int32(2),
					message('b').int64(LSN).int64(END_LSN).timestamp(TIME).int32(1).string("g"),
					message('P').int8(0).int64(LSN).int64(END_LSN).timestamp(TIME).int32(1).string("g"),
					message('p').int8(0).int64(LSN).int64(END_LSN).timestamp(TIME).int32(1).string("g"),
					message('K').int8(0).int64(LSN).int64(END_LSN).timestamp(TIME).int32(1).string("g"),
					message('r').int8(0).int64(LSN).int64(END_LSN).timestamp(TIME).timestamp(LATER).int32(1)
						.string("g"));
			for (PgOutputBytes message : messages) {
				char type = (char) message.toArray()[0];
				assertThat(new PgOutputDecoder(1).decode(message.toBuffer())).isNotInstanceOf(Unknown.class);
				for (int length = 1; length < message.size(); length++) {
					ByteBuffer truncated = message.truncatedTo(length);
					assertThatIllegalArgumentException().as("'%s' truncated to %d bytes", type, length)
						.isThrownBy(() -> new PgOutputDecoder(1).decode(truncated))
						.withMessageStartingWith("Truncated pgoutput message '" + type + "'");
				}
			}
		}

	}

	@Nested
	class Timestamps {

		@Test
		void zeroIsThePostgresEpoch() {
			assertThat(PgOutputDecoder.toInstant(0)).isEqualTo(Instant.parse("2000-01-01T00:00:00Z"));
		}

		@Test
		void microsecondsArePreserved() {
			assertThat(PgOutputDecoder.toInstant(763_821_296_789_012L))
				.isEqualTo(Instant.parse("2024-03-15T12:34:56.789012Z"));
			assertThat(PgOutputBytes.micros(TIME)).isEqualTo(763_821_296_789_012L);
		}

		@Test
		void beforeThePostgresEpoch() {
			assertThat(PgOutputDecoder.toInstant(-1)).isEqualTo(Instant.parse("1999-12-31T23:59:59.999999Z"));
			assertThat(PgOutputDecoder.toInstant(-946_684_800_000_000L)).isEqualTo(Instant.EPOCH);
		}

		@Test
		void extremesDoNotOverflow() {
			assertThat(PgOutputDecoder.toInstant(Long.MAX_VALUE))
				.isEqualTo(Instant.ofEpochSecond(Long.MAX_VALUE / 1_000_000 + 946_684_800L, 775_807_000));
			assertThat(PgOutputDecoder.toInstant(Long.MIN_VALUE))
				.isEqualTo(Instant.ofEpochSecond(Long.MIN_VALUE / 1_000_000 - 1 + 946_684_800L, 224_192_000));
		}

		@Test
		void decodedCommitTimeIsExact() {
			Commit commit = (Commit) decode(1, message('C').int8(0).int64(LSN).int64(END_LSN).int64(1));
			assertThat(commit.commitTime()).isEqualTo(Instant.parse("2000-01-01T00:00:00.000001Z"));
		}

	}

	@Nested
	class RelationCache {

		private final PgOutputDecoder decoder = new PgOutputDecoder(1);

		private Relation decodeRelation(int oid, String name) {
			return (Relation) this.decoder
				.decode(message('R').int32(oid).string("public").string(name).int8('d').int16(0).toBuffer());
		}

		@Test
		void unknownOidIsNull() {
			assertThat(this.decoder.relation(16_385)).isNull();
			decodeRelation(16_385, "a");
			assertThat(this.decoder.relation(16_386)).isNull();
			assertThat(this.decoder.relation(0)).isNull();
		}

		@Test
		void latestRelationPerOid() {
			Relation first = decodeRelation(16_385, "a");
			Relation other = decodeRelation(16_390, "b");
			Relation second = decodeRelation(16_385, "a_renamed");
			assertThat(this.decoder.relation(16_385)).isSameAs(second).isNotSameAs(first);
			assertThat(this.decoder.relation(16_390)).isSameAs(other);
		}

		@Test
		void manyRelations() {
			for (int oid = 16_384; oid < 16_384 + 1_000; oid++) {
				decodeRelation(oid, "t" + oid);
			}
			decodeRelation(0xFFFF_FFFF, "high");
			decodeRelation(16_500, "replaced");
			for (int oid = 16_384; oid < 16_384 + 1_000; oid++) {
				String expected = (oid == 16_500) ? "replaced" : "t" + oid;
				assertThat(this.decoder.relation(oid).name()).isEqualTo(expected);
			}
			assertThat(this.decoder.relation(0xFFFF_FFFF).name()).isEqualTo("high");
			assertThat(this.decoder.relation(16_384 + 1_000)).isNull();
		}

	}

	static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
