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
		this.continuation.begin(100);
		keep(4);
		this.continuation.handedOver();
		this.continuation.interrupted();
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
		this.continuation.begin(100);
		keep(3);
		this.continuation.handedOver();
		assertThat(this.continuation.interrupted()).isFalse();
		assertThat(this.continuation.interrupted()).as("the next connection failed before any message").isFalse();
		assertThat(this.continuation.begin(100)).isEqualTo(Start.CONTINUED);
	}

	@Test
	void anotherTransactionFirstAbandonsTheInterruptedOne() {
		this.continuation.begin(100);
		keep(3);
		this.continuation.handedOver();
		this.continuation.interrupted();
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
		this.continuation.begin(100);
		keep(1);
		this.continuation.handedOver();
		this.continuation.interrupted();
		assertThat(this.continuation.abandon()).isTrue();
		assertThat(this.continuation.begin(100)).isEqualTo(Start.NEW);
	}

	private void keep(int items) {
		for (int i = 0; i < items; i++) {
			assertThat(this.continuation.keep()).isTrue();
		}
	}

}
