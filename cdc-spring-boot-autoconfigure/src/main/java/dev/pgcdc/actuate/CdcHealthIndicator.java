package dev.pgcdc.actuate;

import java.util.List;
import java.util.Objects;

import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.util.unit.DataSize;

/**
 * Health of change data capture, contributed as the {@code cdc} component.
 *
 * <ul>
 * <li>{@code DOWN} when the engine {@code FAILED}, when the slot's {@code wal_status} is {@code lost},
 * or when the slot's lag exceeds the threshold ({@code cdc.health.max-lag-bytes}), also while paused. A
 * {@code STANDBY} instance does not judge the lag: the instance that holds the slot reports it.
 * <li>{@code OUT_OF_SERVICE} when the engine is {@code STOPPED}.
 * <li>{@code UP} otherwise: {@code STREAMING}, and also {@code STARTING}, {@code SNAPSHOTTING},
 * {@code PAUSED} (on request), {@code STANDBY} (another instance holds the slot) and
 * {@code RECONNECTING} (it retries by itself; should it last, the growing lag turns the component
 * {@code DOWN}).
 * </ul>
 *
 * <p>Slot figures come from a {@link SlotMonitor} report at most a few seconds old; when the database
 * cannot be reached the status follows the engine's state alone and the details say why. No secret
 * appears in the details.
 *
 * @author pgcdc
 */
public class CdcHealthIndicator implements HealthIndicator {

	private final ReplicationEngine engine;

	private final SlotMonitor slotMonitor;

	private final DataSize maxLag;

	/**
	 * Create the indicator.
	 * @param engine the engine
	 * @param slotMonitor reads the slot's state
	 * @param maxLag the lag above which the component is {@code DOWN}
	 */
	public CdcHealthIndicator(ReplicationEngine engine, SlotMonitor slotMonitor, DataSize maxLag) {
		this.engine = Objects.requireNonNull(engine, "engine must not be null");
		this.slotMonitor = Objects.requireNonNull(slotMonitor, "slotMonitor must not be null");
		this.maxLag = Objects.requireNonNull(maxLag, "maxLag must not be null");
	}

	@Override
	public Health health() {
		EngineState state = this.engine.state();
		SlotReport slot = this.slotMonitor.current();
		Health.Builder builder = status(state, slot);
		builder.withDetail("state", state.name());
		builder.withDetail("slot", slot.slotName());
		if (slot.found() && slot.walStatus() != null) {
			builder.withDetail("walStatus", slot.walStatus());
		}
		if (slot.lagBytes() != null) {
			builder.withDetail("lagBytes", slot.lagBytes());
		}
		builder.withDetail("maxLagBytes", this.maxLag.toBytes());
		String lastError = this.slotMonitor.mask(this.engine.lastError());
		if (lastError != null) {
			builder.withDetail("lastError", lastError);
		}
		if (!slot.available()) {
			builder.withDetail("slotError", slot.error());
		}
		List<String> warnings = slot.warningMessages();
		if (!warnings.isEmpty()) {
			builder.withDetail("warnings", warnings);
		}
		return builder.build();
	}

	private Health.Builder status(EngineState state, SlotReport slot) {
		if (state == EngineState.FAILED) {
			return Health.down().withDetail("reason", "Change data capture stopped after an error (see lastError)");
		}
		if (slot.lost()) {
			return Health.down().withDetail("reason", SlotWarning.WAL_LOST.describe(slot.slotName()));
		}
		if (state != EngineState.STANDBY && slot.lagBytes() != null && slot.lagBytes() > this.maxLag.toBytes()) {
			return Health.down()
				.withDetail("reason", "Replication slot '" + slot.slotName() + "' lags " + slot.lagBytes()
						+ " bytes behind the server, more than cdc.health.max-lag-bytes (" + this.maxLag.toBytes()
						+ " bytes)");
		}
		if (state == EngineState.STOPPED) {
			return Health.outOfService();
		}
		return Health.up();
	}

}
