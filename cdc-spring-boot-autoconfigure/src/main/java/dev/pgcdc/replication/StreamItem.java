package dev.pgcdc.replication;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;

/**
 * What travels from the reader to the dispatcher: a change, a logical message, or a {@link StreamMarker}.
 * Each item hands itself to the dispatcher, so the dispatcher needs no type tests.
 *
 * @author pgcdc
 */
sealed interface StreamItem permits StreamItem.Change, StreamItem.Message, StreamMarker {

	/**
	 * Hand this item to the dispatcher.
	 * @param dispatcher the dispatcher
	 * @throws Exception if a consumer failed and the error handler gave up
	 */
	void dispatchTo(Dispatcher dispatcher) throws Exception;

	/** A row change (or a truncate, or a snapshot row). */
	record Change(ChangeEvent event) implements StreamItem {

		@Override
		public void dispatchTo(Dispatcher dispatcher) throws Exception {
			dispatcher.change(this.event);
		}

	}

	/** A logical decoding message. */
	record Message(LogicalMessage message) implements StreamItem {

		@Override
		public void dispatchTo(Dispatcher dispatcher) throws Exception {
			dispatcher.message(this.message);
		}

	}

}
