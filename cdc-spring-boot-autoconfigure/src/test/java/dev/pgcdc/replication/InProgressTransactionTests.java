package dev.pgcdc.replication;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The spill file of a streamed transaction: messages come back as they were appended, each with its position,
 * whatever their size; a rolled-back subtransaction is cut off whether it is still in the write buffer or
 * already in the file; memory is reserved for the buffer only and given back at the close, with the file.
 */
class InProgressTransactionTests {

	private static final long TOP = 1_000;

	@TempDir
	Path directory;

	@Test
	void messagesComeBackInOrderWithTheirPositionsWhateverTheirSize() {
		MemoryBudget budget = new MemoryBudget(64L * 1024 * 1024);
		List<String> appended = new ArrayList<>();
		try (InProgressTransaction transaction = new InProgressTransaction(TOP, budget, this.directory)) {
			assertThat(budget.usedBytes()).isEqualTo(InProgressTransaction.BUFFER_BYTES);
			for (int i = 0; i < 20_000; i++) {
				// every thousandth larger than the buffer
				String body = (i % 1_000 == 999) ? "w".repeat(200_000) + i : "row " + i;
				appended.add(body);
				transaction.append(10_000 + i, message('I', TOP, body), TOP);
			}
			assertThat(replay(transaction, true)).isEqualTo(appended);
		}
		assertThat(budget.usedBytes()).isZero();
		assertThat(leftovers()).isEmpty();
	}

	@Test
	void aRolledBackSubtransactionIsCutOffInTheBufferAndInTheFile() {
		MemoryBudget budget = new MemoryBudget(64L * 1024 * 1024);
		try (InProgressTransaction transaction = new InProgressTransaction(TOP, budget, this.directory)) {
			List<String> kept = new ArrayList<>();
			append(transaction, TOP, "top", 0, 100, kept);
			// a short subtransaction, still in the buffer at its abort
			append(transaction, 2, "short", 0, 10, null);
			transaction.abortSubtransaction(2);
			append(transaction, TOP, "top", 100, 200, kept);
			// a long one with a child, most of it in the file at the abort of the parent
			append(transaction, 3, "long", 0, 20_000, null);
			append(transaction, 4, "child", 0, 100, null);
			append(transaction, 3, "long", 20_000, 20_100, null);
			transaction.abortSubtransaction(3);
			// a released one: kept
			append(transaction, 5, "released", 0, 50, kept);
			transaction.abortSubtransaction(99); // never sent anything
			append(transaction, TOP, "top", 200, 300, kept);
			assertThat(replay(transaction, false)).isEqualTo(kept);
		}
	}

	private static void append(InProgressTransaction transaction, long xid, String prefix, int from, int to,
			List<String> kept) {
		for (int i = from; i < to; i++) {
			String body = prefix + " " + i;
			transaction.append(i, message('U', xid, body), xid);
			if (kept != null) {
				kept.add(body);
			}
		}
	}

	private static List<String> replay(InProgressTransaction transaction, boolean checkPositions) {
		List<String> bodies = new ArrayList<>();
		InProgressTransaction.Replay replay = transaction.replay();
		for (ByteBuffer message = replay.next(); message != null; message = replay.next()) {
			assertThat(message.hasArray()).isTrue();
			assertThat(InProgressTransactions.xidOf(message)).isPositive();
			String body = new String(message.array(), 5, message.remaining() - 5, StandardCharsets.UTF_8);
			if (checkPositions) {
				assertThat(replay.lsn()).isEqualTo(10_000 + bodies.size());
			}
			bodies.add(body);
		}
		return bodies;
	}

	private static ByteBuffer message(char type, long xid, String body) {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		// in a slice that does not start at 0, as pgjdbc hands them over
		ByteBuffer buffer = ByteBuffer.allocate(7 + 5 + bytes.length);
		buffer.position(7);
		buffer.put((byte) type).putInt((int) xid).put(bytes);
		buffer.position(7);
		return buffer;
	}

	private List<Path> leftovers() {
		try (var files = Files.list(this.directory)) {
			return files.toList();
		}
		catch (java.io.IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
	}

}
