package dev.pgcdc.replication;

import java.util.function.BooleanSupplier;

/**
 * Whether what the engine has queued may be delivered now: open while this instance streams the slot,
 * closed from the moment its replication connection is lost until it is back, and moved to a new epoch
 * when another instance turned out to hold the slot, which voids everything queued before.
 *
 * <p>Every thread that delivers queued changes (the dispatcher, listener workers, sink writers) waits here
 * before each item and drops items of an older epoch, so an instance that lost the slot never delivers
 * its backlog after the instance that took over has started: no sink sees an older transaction after a
 * newer one.
 *
 * @author pgcdc
 */
public final class DeliveryGate {

	/** A gate that is always open, for consumers fed without an engine. */
	public static final DeliveryGate OPEN = new DeliveryGate();

	private final Object monitor = new Object();

	private volatile boolean open = true;

	private volatile long epoch;

	/**
	 * Return the current epoch; items queued under it stay deliverable until {@link #abandon()}.
	 * @return the epoch
	 */
	public long epoch() {
		return this.epoch;
	}

	/**
	 * Wait until items of the given epoch may be delivered.
	 * @param epoch the epoch the items were queued under
	 * @param waiting whether the caller still wants to wait (false when it is stopping)
	 * @return {@code true} to deliver, {@code false} if the items were voided or the caller stopped waiting
	 * @throws InterruptedException if interrupted while waiting
	 */
	public boolean await(long epoch, BooleanSupplier waiting) throws InterruptedException {
		while (true) {
			if (epoch != this.epoch) {
				return false;
			}
			if (this.open) {
				return true;
			}
			if (!waiting.getAsBoolean()) {
				return false;
			}
			synchronized (this.monitor) {
				if (!this.open && epoch == this.epoch) {
					this.monitor.wait(50);
				}
			}
		}
	}

	/**
	 * Return whether items of the given epoch are void.
	 * @param epoch the epoch they were queued under
	 * @return whether they must be dropped
	 */
	public boolean voided(long epoch) {
		return epoch != this.epoch;
	}

	/** The connection is lost: hold deliveries until it is known whether this instance still has the slot. */
	void close() {
		this.open = false;
	}

	/** Streaming again: deliver. */
	void open() {
		synchronized (this.monitor) {
			this.open = true;
			this.monitor.notifyAll();
		}
	}

	/** Another instance holds the slot: what is queued will never be delivered; stays closed. */
	void abandon() {
		synchronized (this.monitor) {
			this.open = false;
			this.epoch++;
			this.monitor.notifyAll();
		}
	}

}
