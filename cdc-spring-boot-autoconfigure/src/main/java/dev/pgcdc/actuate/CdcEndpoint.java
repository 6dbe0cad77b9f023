package dev.pgcdc.actuate;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.TableId;
import dev.pgcdc.listener.support.CdcListenerRegistry;
import dev.pgcdc.listener.support.ListenerContainer;
import dev.pgcdc.listener.support.ListenerStatistics;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.replication.SnapshotProgress;
import dev.pgcdc.replication.StreamStatistics;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;


/**
 * The {@code cdc} actuator endpoint: {@code GET /actuator/cdc} describes the stream (state, slot, lag,
 * positions, counts, listeners, warnings); {@code POST /actuator/cdc/pause} and
 * {@code POST /actuator/cdc/resume} pause and resume delivery;
 * {@code POST /actuator/cdc/snapshot/public.orders,public.customers} reads tables again while streaming
 * continues.
 *
 * <p>Reading it costs one query of {@code pg_replication_slots} on a connection of its own and reads the
 * engine's counters; it never waits for the stream. When the database cannot be reached the slot
 * fields are {@code null} and everything the application knows by itself is still filled. No password or
 * other connection secret appears in it.
 *
 * @author pgcdc
 */
@Endpoint(id = "cdc")
public class CdcEndpoint {

	private final ReplicationEngine engine;

	private final Supplier<CdcListenerRegistry> listenerRegistry;

	private final SlotMonitor slotMonitor;

	private final Supplier<Map<String, Object>> sinks;

	/**
	 * Create the endpoint.
	 * @param engine the engine to describe and control
	 * @param listenerRegistry supplies the {@code @CdcListener} registry, or {@code null} when there is none
	 * @param slotMonitor reads the slot's state
	 */
	public CdcEndpoint(ReplicationEngine engine, Supplier<CdcListenerRegistry> listenerRegistry,
			SlotMonitor slotMonitor) {
		this(engine, listenerRegistry, slotMonitor, null);
	}

	/**
	 * Create the endpoint.
	 * @param engine the engine to describe and control
	 * @param listenerRegistry supplies the {@code @CdcListener} registry, or {@code null} when there is none
	 * @param slotMonitor reads the slot's state
	 * @param sinks supplies the sinks' descriptions by name (such as {@code rabbit}), or {@code null}
	 */
	public CdcEndpoint(ReplicationEngine engine, Supplier<CdcListenerRegistry> listenerRegistry,
			SlotMonitor slotMonitor, Supplier<Map<String, Object>> sinks) {
		this.sinks = (sinks != null) ? sinks : Map::of;
		this.engine = Objects.requireNonNull(engine, "engine must not be null");
		this.listenerRegistry = (listenerRegistry != null) ? listenerRegistry : () -> null;
		this.slotMonitor = Objects.requireNonNull(slotMonitor, "slotMonitor must not be null");
	}

	/**
	 * Describe the stream now.
	 * @return the description
	 */
	@ReadOperation
	public CdcDescriptor cdc() {
		SlotReport slot = this.slotMonitor.refresh();
		StreamStatistics statistics = this.engine.statistics();
		List<String> warnings = new ArrayList<>(slot.warningMessages());
		if (!slot.available()) {
			warnings.add(slot.error());
		}
		return new CdcDescriptor(this.engine.state(), this.engine.isPaused(), describe(slot),
				lsn(slot.serverLsn()), slot.lagBytes(), slot.retainedWalBytes(), lsn(statistics.receivedLsn()),
				lsn(this.engine.flushedLsn()), statistics.lastCommitTime(),
				new EventsDescriptor(statistics.events(), statistics.eventsByTable()), statistics.transactions(),
				listeners(), snapshot(this.engine.snapshotProgress()), this.engine.queueSize(), statistics.connections(),
				this.slotMonitor.mask(this.engine.lastError()), warnings, this.sinks.get());
	}

	/**
	 * Pause or resume delivery: {@code POST /actuator/cdc/pause}, {@code POST /actuator/cdc/resume}, no body.
	 * @param action {@code pause} or {@code resume}
	 * @return the engine's state afterwards
	 */
	@WriteOperation
	public ActionDescriptor control(@Selector String action) {
		return perform(action, null);
	}

	/**
	 * Read tables again while streaming continues:
	 * {@code POST /actuator/cdc/snapshot/public.orders,public.customers}.
	 * @param action {@code snapshot}
	 * @param tables the tables, comma-separated
	 * @return the engine's state afterwards
	 */
	@WriteOperation
	public ActionDescriptor snapshot(@Selector String action, @Selector String tables) {
		if (!"snapshot".equalsIgnoreCase(action.trim())) {
			throw unknown(action);
		}
		List<String> names = java.util.Arrays.stream(tables.split(","))
			.map(String::trim)
			.filter((name) -> !name.isEmpty())
			.toList();
		return perform("snapshot", names);
	}

	private ActionDescriptor perform(String action, List<String> tables) {
		String normalized = (action != null) ? action.trim().toLowerCase(Locale.ROOT) : "";
		switch (normalized) {
			case "snapshot" -> {
				if (tables == null || tables.isEmpty()) {
					throw new InvalidEndpointRequestException("No tables to snapshot",
							"Name the tables to read again: POST /actuator/cdc/snapshot/public.orders,public.customers");
				}
				try {
					this.engine.resnapshot(tables);
				}
				catch (IllegalStateException | IllegalArgumentException ex) {
					throw new InvalidEndpointRequestException(ex.getMessage(), ex.getMessage());
				}
			}
			case "pause" -> {
				EngineState state = this.engine.state();
				if (!this.engine.isRunning() || state == EngineState.FAILED || state == EngineState.STOPPED) {
					throw new InvalidEndpointRequestException("Cannot pause: change data capture is " + state,
							"Cannot pause: change data capture is " + state
									+ " (see lastError on /actuator/cdc); restart the application to stream again");
				}
				this.engine.pause();
			}
			case "resume" -> this.engine.resume();
			default -> throw unknown(action);
		}
		return new ActionDescriptor(normalized, this.engine.state(), this.engine.isPaused());
	}

	private static InvalidEndpointRequestException unknown(String action) {
		return new InvalidEndpointRequestException("Unknown action '" + action + "'", "Unknown action '" + action
				+ "': use POST /actuator/cdc/pause, /actuator/cdc/resume or /actuator/cdc/snapshot/<tables>");
	}

	private SlotDescriptor describe(SlotReport slot) {
		if (!slot.available() || !slot.found()) {
			return new SlotDescriptor(slot.slotName(), null, null, null, null, null, null);
		}
		return new SlotDescriptor(slot.slotName(), slot.plugin(), slot.active(), lsn(slot.restartLsn()),
				lsn(slot.confirmedFlushLsn()), slot.walStatus(), slot.safeWalSizeBytes());
	}

	private List<ListenerDescriptor> listeners() {
		CdcListenerRegistry registry = this.listenerRegistry.get();
		if (registry == null) {
			return List.of();
		}
		return registry.containers().stream().map(CdcEndpoint::describe).toList();
	}

	private static ListenerDescriptor describe(ListenerContainer container) {
		ListenerStatistics statistics = container.statistics();
		List<String> tables = container.endpoint().tables().stream().map(TableId::toString).sorted().toList();
		return new ListenerDescriptor(container.endpoint().id(), tables, statistics.invocations(),
				statistics.failures(), statistics.deadLetteredCount(), statistics.skippedCount());
	}

	private static SnapshotDescriptor snapshot(SnapshotProgress progress) {
		if (progress == null) {
			return null;
		}
		List<SnapshotTableDescriptor> tables = progress.tables()
			.stream()
			.map((table) -> new SnapshotTableDescriptor(table.table().toString(), table.estimatedRows(),
					table.rowsDone(), table.done()))
			.toList();
		return new SnapshotDescriptor(progress.startedAt(), progress.finishedAt(), progress.rowsDone(), tables);
	}

	private static String lsn(Lsn lsn) {
		return (lsn != null && lsn.isValid()) ? lsn.toString() : null;
	}

	/**
	 * The description of the stream; {@code null} values are written out too, so that the shape is fixed.
	 *
	 * @param state the engine's state
	 * @param paused whether delivery is paused on request
	 * @param slot the replication slot as the server sees it
	 * @param serverLsn the server's current WAL position, {@code null} if the server cannot be reached
	 * @param lagBytes WAL bytes the slot has not confirmed yet (server position minus confirmed position)
	 * @param retainedWalBytes WAL bytes the server keeps for the slot (server position minus restart position)
	 * @param receivedLsn end of the last transaction received
	 * @param flushedLsn the position last confirmed to the server
	 * @param lastCommitTime commit time of the last transaction delivered
	 * @param events events delivered
	 * @param transactions transactions delivered
	 * @param listeners the {@code @CdcListener} methods
	 * @param snapshot the initial snapshot being read or last read by this engine; {@code null} when none
	 * @param queueSize items waiting between the reader and the dispatcher
	 * @param connections replication connections opened; more than one means reconnections
	 * @param lastError the last error that interrupted streaming, if not recovered since
	 * @param warnings risks to the database server and what to do about them
	 * @param sinks the sinks (such as {@code rabbit}: state, backlog, confirmed position, counters), by name
	 */
	@JsonInclude(JsonInclude.Include.ALWAYS)
	public record CdcDescriptor(EngineState state, boolean paused, SlotDescriptor slot, String serverLsn,
			Long lagBytes, Long retainedWalBytes, String receivedLsn, String flushedLsn, Instant lastCommitTime,
			EventsDescriptor events, long transactions, List<ListenerDescriptor> listeners, SnapshotDescriptor snapshot,
			int queueSize, long connections, String lastError, List<String> warnings,
			Map<String, Object> sinks) implements OperationResponseBody {

	}

	/**
	 * The replication slot as {@code pg_replication_slots} shows it; all but the name are {@code null}
	 * when the database cannot be reached or the slot does not exist.
	 *
	 * @param name the slot name
	 * @param plugin its output plugin
	 * @param active whether a connection streams it now
	 * @param restartLsn the oldest WAL position it keeps
	 * @param confirmedFlushLsn the position the consumer confirmed
	 * @param walStatus {@code reserved}, {@code extended}, {@code unreserved} or {@code lost}
	 * @param safeWalSizeBytes bytes that can be written before the slot is invalidated; {@code null} when
	 * {@code max_slot_wal_keep_size} is unlimited
	 */
	@JsonInclude(JsonInclude.Include.ALWAYS)
	public record SlotDescriptor(String name, String plugin, Boolean active, String restartLsn,
			String confirmedFlushLsn, String walStatus, Long safeWalSizeBytes) {

	}

	/**
	 * Events delivered since start.
	 *
	 * @param total all events
	 * @param byTable events per {@code schema.table}
	 */
	public record EventsDescriptor(long total, Map<String, Long> byTable) {

	}

	/**
	 * One {@code @CdcListener}.
	 *
	 * @param id the listener id
	 * @param tables the tables it listens to, empty for all
	 * @param invocations calls, retries included
	 * @param failures calls that threw
	 * @param deadLettered events stored as dead letters
	 * @param skipped events skipped after the last failed attempt
	 */
	public record ListenerDescriptor(String id, List<String> tables, long invocations, long failures,
			long deadLettered, long skipped) {

	}

	/**
	 * The initial snapshot ({@code cdc.snapshot.mode}) being read, or last read, by this engine.
	 *
	 * @param startedAt when it started
	 * @param finishedAt when it finished; {@code null} while it runs
	 * @param rowsDone rows read so far, all tables
	 * @param tables the tables started so far, in reading order
	 */
	@JsonInclude(JsonInclude.Include.ALWAYS)
	public record SnapshotDescriptor(Instant startedAt, Instant finishedAt, long rowsDone,
			List<SnapshotTableDescriptor> tables) {

	}

	/**
	 * One table of a snapshot.
	 *
	 * @param table the table, {@code schema.table}
	 * @param estimatedRows the planner's estimate of its rows when it started
	 * @param rowsDone rows read so far
	 * @param done whether it was read completely
	 */
	public record SnapshotTableDescriptor(String table, long estimatedRows, long rowsDone, boolean done) {

	}

	/**
	 * The outcome of a pause or resume.
	 *
	 * @param action the action taken
	 * @param state the engine's state afterwards
	 * @param paused whether delivery is paused now
	 */
	public record ActionDescriptor(String action, EngineState state, boolean paused) implements OperationResponseBody {

	}

}
