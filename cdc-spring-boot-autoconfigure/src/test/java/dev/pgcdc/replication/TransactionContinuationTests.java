package dev.pgcdc.replication;

import dev.pgcdc.replication.TransactionContinuation.Start;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bookkeeping that lets a transaction cut off by a lost connection continue without delivering its
 * first part twice.
 */
class TransactionContinuationTests {

	private final TransactionContinuation continuation = new TransactionContinuation();

	@Test
	void transactionSentAgainSkipsWhatTheDispatcherGot() {
		assertThat(this.continuation.begin(100)).isEqualTo(Start.NEW);
		keep(5);
		this.continuation.handedOver();
		keep(3); // still in the reader's batch: lost with the connection, sent again
		assertThat(this.continuation.interrupted()).as("nothing to forget: the transaction continues").isFalse();
		assertThat(this.continuation.begin(100)).isEqualTo(Start.CONTINUED);
		for (int i = 0; i < 5; i++) {
			assertThat(this.continuation.keep()).isFalse();
		}
		assertThat(this.continuation.keep()).isTrue();
		this.continuation.committed();
		assertThat(this.continuation.begin(200)).isEqualTo(Start.NEW);
	}

	@Test
	void cutTwiceCountsFromTheStartOfTheTransaction() {
		assertThat(cutAfter(4)).isFalse();
		this.continuation.begin(100);
		for (int i = 0; i < 4; i++) {
			this.continuation.keep();
		}
		keep(2);
		this.continuation.handedOver();
		assertThat(this.continuation.interrupted()).isFalse();
		this.continuation.begin(100);
		int skipped = 0;
		while (!this.continuation.keep()) {
			skipped++;
		}
		assertThat(skipped).isEqualTo(6);
	}

	@Test
	void nothingDeliveredYetStartsOver() {
		this.continuation.begin(100);
		keep(3);
		assertThat(this.continuation.interrupted()).isTrue();
		assertThat(this.continuation.begin(100)).isEqualTo(Start.NEW);
	}

	@Test
	void reconnectionFailuresBeforeTheTransactionCameAgainKeepItWaiting() {
		assertThat(cutAfter(3)).isFalse();
		assertThat(this.continuation.interrupted()).as("the next connection failed before any message").isFalse();
		assertThat(this.continuation.begin(100)).isEqualTo(Start.CONTINUED);
	}

	@Test
	void anotherTransactionFirstAbandonsTheInterruptedOne() {
		cutAfter(3);
		assertThat(this.continuation.begin(300)).isEqualTo(Start.NEW_AFTER_ABANDONED);
		assertThat(this.continuation.keep()).isTrue();
	}

	@Test
	void rowsThatAreNotSentAgainIdenticallyStartOver() {
		this.continuation.begin(100);
		keep(3);
		this.continuation.notContinuable();
		this.continuation.handedOver();
		assertThat(this.continuation.interrupted()).isTrue();
	}

	@Test
	void engineRestartAbandonsAWaitingOrOpenTransaction() {
		assertThat(this.continuation.abandon()).isFalse();
		this.continuation.begin(100);
		assertThat(this.continuation.abandon()).as("stopped in the middle").isTrue();
		cutAfter(1);
		assertThat(this.continuation.abandon()).isTrue();
		assertThat(this.continuation.begin(100)).isEqualTo(Start.NEW);
	}

	/** Transaction 100 loses its connection after the dispatcher got {@code delivered} items of it. */
	private boolean cutAfter(int delivered) {
		this.continuation.begin(100);
		keep(delivered);
		this.continuation.handedOver();
		return this.continuation.interrupted();
	}

	private void keep(int items) {
		for (int i = 0; i < items; i++) {
			assertThat(this.continuation.keep()).isTrue();
		}
	}

}
