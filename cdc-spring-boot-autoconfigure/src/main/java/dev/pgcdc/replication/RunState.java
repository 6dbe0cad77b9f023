package dev.pgcdc.replication;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The state of a {@link ReplicationEngine} as all its threads see it: the lifecycle state, the last error,
 * whether a run goes on, whether delivery is paused, and the signal that ends every wait when it stops.
 *
 * @author pgcdc
 */
final class RunState {

	private volatile EngineState state = EngineState.STOPPED;

	private volatile String lastError;

	private volatile boolean running;

	private volatile boolean paused;

	private volatile CountDownLatch stopSignal = new CountDownLatch(0);

	EngineState state() {
		return this.state;
	}

	void state(EngineState state) {
		this.state = state;
	}

	String lastError() {
		return this.lastError;
	}

	void lastError(String lastError) {
		this.lastError = lastError;
	}

	boolean running() {
		return this.running;
	}

	boolean paused() {
		return this.paused;
	}

	void paused(boolean paused) {
		this.paused = paused;
	}

	/** Whether a replication stream is open: streaming, or paused with the connection kept. */
	boolean connected() {
		EngineState current = this.state;
		return current == EngineState.STREAMING || current == EngineState.PAUSED;
	}

	/** A new run begins: it runs, delivers, and has a fresh stop signal. */
	void begin() {
		this.running = true;
		this.paused = false;
		this.stopSignal = new CountDownLatch(1);
	}

	/** The run ends: every wait of {@link #sleep(long)} returns at once. */
	void halt() {
		this.running = false;
		this.stopSignal.countDown();
	}

	/** The run ends because of an error that needs a person. */
	void fail(String reason) {
		this.state = EngineState.FAILED;
		this.lastError = reason;
		halt();
	}

	/**
	 * Wait, returning early when the run ends.
	 * @return whether the run still goes on
	 */
	boolean sleep(long millis) {
		try {
			this.stopSignal.await(millis, TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
		return this.running;
	}

}
