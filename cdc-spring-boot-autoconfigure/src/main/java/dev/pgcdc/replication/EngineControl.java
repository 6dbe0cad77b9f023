package dev.pgcdc.replication;

/**
 * What a {@link ChangeConsumer} may ask of the engine that feeds it.
 *
 * @author pgcdc
 */
public interface EngineControl {

	/**
	 * Stop streaming because of an error that needs a person: nothing after the last fully handled
	 * transaction is confirmed, so the rest is delivered again after a restart.
	 * @param reason what went wrong and what to do about it
	 * @param cause the error, or {@code null}
	 */
	void fail(String reason, Throwable cause);

	/**
	 * Return the engine's memory budget, from which a consumer reserves what it holds of changes
	 * beyond its {@code onChange}/{@code onTransaction} call (queued work for its own threads).
	 * @return the budget; by default one without a practical limit, for consumers fed by hand
	 */
	default MemoryBudget memory() {
		return MemoryBudget.UNBOUNDED;
	}

	/**
	 * Return the gate a consumer's own threads wait at before delivering what it queued, dropping what
	 * was queued under an older epoch (another instance took the slot over).
	 * @return the gate; by default one that is always open
	 */
	default DeliveryGate gate() {
		return DeliveryGate.OPEN;
	}

}
