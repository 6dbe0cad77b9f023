package dev.pgcdc.actuate;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

import dev.pgcdc.event.Operation;
import dev.pgcdc.listener.support.CdcListenerRegistry;
import dev.pgcdc.listener.support.ListenerContainer;
import dev.pgcdc.listener.support.ListenerStatistics;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.StreamStatistics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.beans.factory.DisposableBean;

/**
 * Micrometer meters of change data capture, all under {@code cdc.}:
 *
 * <ul>
 * <li>{@code cdc.lag.bytes}, {@code cdc.retained.wal.bytes} (gauges): the slot's lag and retained WAL, from
 * a {@link SlotMonitor} report at most a few seconds old, so a scrape queries the database at most that
 * often; {@code NaN} while the database cannot be reached.
 * <li>{@code cdc.queue.size} (gauge): items between the reader and the dispatcher.
 * <li>{@code cdc.memory.used} and {@code cdc.memory.max} (gauges, bytes): the memory budget of buffered
 * changes, reserved now and its limit.
 * <li>{@code cdc.state} (gauge): the engine's state as a number, see {@link #stateCode(EngineState)}.
 * <li>{@code cdc.events} (function counter, tags {@code table} and {@code operation}): events delivered per
 * {@code schema.table} and operation.
 * <li>{@code cdc.reconnects} (function counter): replication connections opened after the first.
 * <li>{@code cdc.listener.invocations} (function counter, tags {@code listener} and {@code outcome}
 * {@code success} or {@code failure}): calls of each {@code @CdcListener}, retries included.
 * <li>{@code cdc.listener.dead.letters} (function counter, tag {@code listener}): events a listener
 * dead-lettered.
 * </ul>
 *
 * <p>Tables and listeners appear while the application runs (a table on its first event, listeners when
 * they start), so their counters are added by a background check every few seconds. Only counters the
 * engine already keeps are read: the stream's hot path is not touched. Tags hold table names and
 * listener ids only, never a connection detail.
 *
 * @author pgcdc
 */
public class CdcMetrics implements MeterBinder, DisposableBean {

	private static final long DEFAULT_DISCOVERY_MILLIS = 5_000;

	private final ReplicationEngine engine;

	private final Supplier<CdcListenerRegistry> listenerRegistry;

	private final SlotMonitor slotMonitor;

	private final long discoveryMillis;

	private final List<Bound> bound = new ArrayList<>();

	private ScheduledExecutorService discovery;

	/**
	 * Create the meter binder.
	 * @param engine the engine
	 * @param listenerRegistry supplies the {@code @CdcListener} registry, or {@code null} when there is none
	 * @param slotMonitor reads the slot's state
	 */
	public CdcMetrics(ReplicationEngine engine, Supplier<CdcListenerRegistry> listenerRegistry,
			SlotMonitor slotMonitor) {
		this(engine, listenerRegistry, slotMonitor, DEFAULT_DISCOVERY_MILLIS);
	}

	CdcMetrics(ReplicationEngine engine, Supplier<CdcListenerRegistry> listenerRegistry, SlotMonitor slotMonitor,
			long discoveryMillis) {
		this.engine = Objects.requireNonNull(engine, "engine must not be null");
		this.listenerRegistry = (listenerRegistry != null) ? listenerRegistry : () -> null;
		this.slotMonitor = Objects.requireNonNull(slotMonitor, "slotMonitor must not be null");
		this.discoveryMillis = discoveryMillis;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		gauge(registry, "cdc.lag.bytes", "WAL bytes the replication slot has not confirmed yet",
				(monitor) -> bytes(monitor.current().lagBytes()));
		gauge(registry, "cdc.retained.wal.bytes", "WAL bytes the server keeps for the replication slot",
				(monitor) -> bytes(monitor.current().retainedWalBytes()));
		Gauge.builder("cdc.queue.size", this.engine, ReplicationEngine::queueSize)
			.description("Items waiting between the replication reader and the dispatcher")
			.strongReference(true)
			.register(registry);
		Gauge.builder("cdc.memory.used", this.engine, (engine) -> engine.memory().usedBytes())
			.description("Bytes of buffered changes reserved from the memory budget (cdc.memory.max-bytes)")
			.baseUnit(BaseUnits.BYTES)
			.strongReference(true)
			.register(registry);
		Gauge.builder("cdc.memory.max", this.engine, (engine) -> engine.memory().maxBytes())
			.description("The memory budget of buffered changes (cdc.memory.max-bytes)")
			.baseUnit(BaseUnits.BYTES)
			.strongReference(true)
			.register(registry);
		Gauge.builder("cdc.state", this.engine, (engine) -> stateCode(engine.state()))
			.description("State of change data capture: 0 STOPPED, 1 STARTING, 2 SNAPSHOTTING, 3 STREAMING, "
					+ "4 PAUSED, 5 RECONNECTING, 6 STANDBY, 7 FAILED")
			.strongReference(true)
			.register(registry);
		FunctionCounter.builder("cdc.reconnects", this.engine.statistics(),
				(statistics) -> Math.max(0, statistics.connections() - 1))
			.description("Replication connections opened after the first one")
			.register(registry);
		FunctionCounter.builder("cdc.transactions.skipped", this.engine.statistics(), StreamStatistics::skippedTransactions)
			.description("Transactions marked with CdcControl.skipCurrentTransaction(), delivered to no consumer")
			.register(registry);
		FunctionCounter.builder("cdc.transactions.streamed", this.engine.statistics(), StreamStatistics::streamedTransactions)
			.description("Transactions the server streamed before their commit, delivered from pgcdc's spill file at it")
			.register(registry);
		Timer commitLatency = Timer.builder("cdc.commit.latency")
			.description("Time from a transaction's commit on the server to the end of its dispatch")
			.publishPercentiles(0.5, 0.99)
			.register(registry);
		this.engine.statistics().onCommitLatency((nanos) -> commitLatency.record(nanos, TimeUnit.NANOSECONDS));
		synchronized (this.bound) {
			this.bound.add(new Bound(registry));
		}
		discover();
		startDiscovery();
	}

	private void gauge(MeterRegistry registry, String name, String description, ToDoubleFunction<SlotMonitor> value) {
		Gauge.builder(name, this.slotMonitor, value)
			.description(description)
			.baseUnit(BaseUnits.BYTES)
			.strongReference(true)
			.register(registry);
	}

	/**
	 * Add counters for tables and listeners that appeared since the last check.
	 */
	void discover() {
		StreamStatistics statistics = this.engine.statistics();
		Map<String, Map<Operation, Long>> tables = statistics.eventsByTableAndOperation();
		CdcListenerRegistry registry = this.listenerRegistry.get();
		List<ListenerContainer> containers = (registry != null) ? registry.containers() : List.of();
		synchronized (this.bound) {
			for (Bound target : this.bound) {
				tables.forEach((table, operations) -> {
					for (Operation operation : operations.keySet()) {
						if (target.tables.add(table + " " + operation)) {
							FunctionCounter.builder("cdc.events", statistics, (stats) -> stats.events(table, operation))
								.description("Change events delivered")
								.tag("table", table)
								.tag("operation", operation.name())
								.register(target.registry);
						}
					}
				});
				for (ListenerContainer container : containers) {
					String id = container.endpoint().id();
					if (target.listeners.add(id)) {
						registerListener(target.registry, id);
					}
				}
			}
		}
	}

	private void registerListener(MeterRegistry registry, String id) {
		FunctionCounter.builder("cdc.listener.invocations", this, (metrics) -> metrics.listener(id,
				(stats) -> stats.invocations() - stats.failures()))
			.description("Calls of a @CdcListener method, retries included")
			.tags("listener", id, "outcome", "success")
			.register(registry);
		FunctionCounter.builder("cdc.listener.invocations", this,
				(metrics) -> metrics.listener(id, ListenerStatistics::failures))
			.description("Calls of a @CdcListener method, retries included")
			.tags("listener", id, "outcome", "failure")
			.register(registry);
		FunctionCounter.builder("cdc.listener.dead.letters", this,
				(metrics) -> metrics.listener(id, ListenerStatistics::deadLetteredCount))
			.description("Events a @CdcListener dead-lettered after its last failed attempt")
			.tag("listener", id)
			.register(registry);
	}

	/** Looks the container up on each read: a restarted registry has new containers. */
	private double listener(String id, ToDoubleFunction<ListenerStatistics> value) {
		CdcListenerRegistry registry = this.listenerRegistry.get();
		ListenerContainer container = (registry != null) ? registry.container(id) : null;
		return (container != null) ? value.applyAsDouble(container.statistics()) : 0;
	}

	private synchronized void startDiscovery() {
		if (this.discovery == null && this.discoveryMillis > 0) {
			this.discovery = Executors.newSingleThreadScheduledExecutor((task) -> {
				Thread thread = new Thread(task, "pgcdc-metrics");
				thread.setDaemon(true);
				return thread;
			});
			this.discovery.scheduleWithFixedDelay(this::discoverQuietly, this.discoveryMillis, this.discoveryMillis,
					TimeUnit.MILLISECONDS);
		}
	}

	private void discoverQuietly() {
		try {
			discover();
		}
		catch (RuntimeException ex) {
			// a registry that refuses a meter must not end the checks
		}
	}

	@Override
	public synchronized void destroy() {
		this.engine.statistics().onCommitLatency(null);
		if (this.discovery != null) {
			this.discovery.shutdownNow();
			this.discovery = null;
		}
	}

	/**
	 * Return the value of the {@code cdc.state} gauge for a state.
	 * @param state the engine's state
	 * @return 0 STOPPED, 1 STARTING, 2 SNAPSHOTTING, 3 STREAMING, 4 PAUSED, 5 RECONNECTING, 6 STANDBY, 7 FAILED
	 */
	public static int stateCode(EngineState state) {
		return switch (state) {
			case STOPPED -> 0;
			case STARTING -> 1;
			case SNAPSHOTTING -> 2;
			case STREAMING -> 3;
			case PAUSED -> 4;
			case RECONNECTING -> 5;
			case STANDBY -> 6;
			case FAILED -> 7;
			default -> -1;
		};
	}

	private static double bytes(Long value) {
		return (value != null) ? value : Double.NaN;
	}

	/** A registry bound to, and the tagged meters already added to it. */
	private static final class Bound {

		final MeterRegistry registry;

		final Set<String> tables = new HashSet<>();

		final Set<String> listeners = new HashSet<>();

		Bound(MeterRegistry registry) {
			this.registry = registry;
		}

	}

}
