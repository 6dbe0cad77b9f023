package dev.pgcdc.replication;

/**
 * The non-event items the reader puts on the queue between events: transaction boundaries, and a reset
 * when the connection was lost in the middle of a transaction.
 *
 * @author pgcdc
 */
sealed interface StreamMarker extends StreamItem {

	/**
	 * A transaction starts; its changes follow. Carries nothing: the dispatcher only opens a new transaction
	 * buffer, and the commit brings the transaction's data.
	 */
	record TransactionBegin() implements StreamMarker {

		@Override
		public void dispatchTo(Dispatcher dispatcher) {
			dispatcher.begin();
		}

	}

	/** A transaction ended; its end position is confirmed once every consumer is done with it. */
	record Committed(TransactionCommit commit) implements StreamMarker {

		@Override
		public void dispatchTo(Dispatcher dispatcher) throws Exception {
			dispatcher.commit(this.commit);
		}

	}

	/**
	 * The connection dropped; an unfinished transaction before this marker will be sent again from its
	 * start, so partial transaction state must be dropped.
	 */
	record StreamReset() implements StreamMarker {

		@Override
		public void dispatchTo(Dispatcher dispatcher) {
			dispatcher.reset();
		}

	}

}
