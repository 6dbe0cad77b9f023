package dev.pgcdc.listener.support;

import dev.pgcdc.replication.ReplicationEngine;

import org.springframework.context.SmartLifecycle;

/**
 * Starts the {@link ReplicationEngine} once the application context is refreshed and stops it first on
 * shutdown, so that listeners never see events before the context is ready.
 *
 * <p>A database that is not ready for change data capture makes {@link #start()} throw, failing the
 * application's start-up with the reason and the fix.
 *
 * @author pgcdc
 */
public class ReplicationEngineLifecycle implements SmartLifecycle {

	private final ReplicationEngine engine;

	public ReplicationEngineLifecycle(ReplicationEngine engine) {
		this.engine = engine;
	}

	@Override
	public void start() {
		this.engine.start();
	}

	@Override
	public void stop() {
		this.engine.stop();
	}

	@Override
	public boolean isRunning() {
		return this.engine.isRunning();
	}

	@Override
	public int getPhase() {
		return DEFAULT_PHASE - 100;
	}

}
