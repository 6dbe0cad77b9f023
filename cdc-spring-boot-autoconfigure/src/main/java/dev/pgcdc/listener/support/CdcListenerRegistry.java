package dev.pgcdc.listener.support;

import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.TransactionEvent;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.TableId;
import dev.pgcdc.listener.CdcErrorHandler;
import dev.pgcdc.listener.CdcListener;
import dev.pgcdc.listener.DeadLetters;
import dev.pgcdc.listener.FailurePolicy;
import dev.pgcdc.replication.ChangeConsumer;
import dev.pgcdc.replication.DeliveryGate;
import dev.pgcdc.replication.EngineControl;
import dev.pgcdc.replication.MemoryBudget;
import dev.pgcdc.replication.TransactionCommit;

import org.springframework.context.SmartLifecycle;

/**
 * Holds every {@code @CdcListener} and feeds them from the engine: it is the engine's consumer for all
 * listeners, and each listener runs in its own {@link ListenerContainer}.
 *
 * <p>Starts before the engine and stops after it. On start it checks each listener's tables (captured by
 * the publication, existing in the database) and creates the dead-letter table if a listener may need it;
 * a problem fails start-up naming the listener and the fix. The engine confirms no transaction before
 * every listener has completely handled it.
 *
 * @author pgcdc
 */
public class CdcListenerRegistry implements ChangeConsumer, SmartLifecycle {

	private static final Lsn NOTHING_PENDING = new Lsn(-1L);

	private final ListenerEndpointFactory endpointFactory;

	private final Supplier<CdcErrorHandler> errorHandler;

	private final Supplier<DeadLetters> deadLetters;

	private final DataSource dataSource;

	private final Set<TableId> publishedTables;

	private final Predicate<TableId> optInTables;

	private final Map<String, ListenerEndpoint> endpoints = new LinkedHashMap<>();

	private volatile List<ListenerContainer> containers = List.of();

	private volatile EngineControl control;

	private volatile boolean running;

	/**
	 * Create a registry.
	 * @param defaultRetry the retry settings of listeners that set none
	 * @param defaultPolicy the failure policy of listeners that set none
	 * @param errorHandler supplies the handler that replaces the failure policies, or {@code null}; asked on
	 * start, so that the handler may be declared next to listeners
	 * @param deadLetters supplies where dead letters go, or {@code null} for none; asked on start
	 * @param dataSource a connection to the captured database, for the table checks
	 * @param publishedTables the configured tables, empty when every table is published
	 */
	public CdcListenerRegistry(RetrySpec defaultRetry, FailurePolicy defaultPolicy,
			Supplier<CdcErrorHandler> errorHandler, Supplier<DeadLetters> deadLetters, DataSource dataSource,
			Set<TableId> publishedTables) {
		this(defaultRetry, defaultPolicy, errorHandler, deadLetters, dataSource, publishedTables, (table) -> false);
	}

	/**
	 * Create a registry.
	 * @param defaultRetry the retry settings of listeners that set none
	 * @param defaultPolicy the failure policy of listeners that set none
	 * @param errorHandler supplies the handler that replaces the failure policies, or {@code null}
	 * @param deadLetters supplies where dead letters go, or {@code null} for none
	 * @param dataSource a connection to the captured database, for the table checks
	 * @param publishedTables the configured tables, empty when every table is published
	 * @param optInTables the tables (the outbox) whose changes go only to listeners that name them
	 */
	public CdcListenerRegistry(RetrySpec defaultRetry, FailurePolicy defaultPolicy,
			Supplier<CdcErrorHandler> errorHandler, Supplier<DeadLetters> deadLetters, DataSource dataSource,
			Set<TableId> publishedTables, Predicate<TableId> optInTables) {
		this.optInTables = optInTables;
		this.endpointFactory = new ListenerEndpointFactory(defaultRetry, defaultPolicy);
		this.errorHandler = (errorHandler != null) ? errorHandler : () -> null;
		this.deadLetters = (deadLetters != null) ? deadLetters : () -> null;
		this.dataSource = dataSource;
		this.publishedTables = Set.copyOf(publishedTables);
	}

	/**
	 * Register a {@code @CdcListener} method.
	 * @param bean the bean
	 * @param method the annotated method
	 * @param annotation its annotation
	 * @param beanName the bean's name
	 * @return the endpoint
	 */
	public synchronized ListenerEndpoint register(Object bean, Method method, CdcListener annotation, String beanName) {
		return register(this.endpointFactory.create(bean, method, annotation, beanName));
	}

	/**
	 * Register an endpoint built by other means.
	 * @param endpoint the endpoint
	 * @return the endpoint
	 */
	public synchronized ListenerEndpoint register(ListenerEndpoint endpoint) {
		if (this.running) {
			throw new IllegalStateException("Listener '" + endpoint.id() + "' registered after change data capture "
					+ "started; listeners must be singleton beans created at start-up");
		}
		ListenerEndpoint existing = this.endpoints.putIfAbsent(endpoint.id(), endpoint);
		if (existing != null) {
			throw new IllegalStateException("Two listener methods have the id '" + endpoint.id()
					+ "' (" + existing.adapter().description() + " and " + endpoint.adapter().description()
					+ "); give one of them another id()");
		}
		return endpoint;
	}

	/**
	 * Return the running containers, one per listener.
	 * @return the containers
	 */
	public List<ListenerContainer> containers() {
		return this.containers;
	}

	/**
	 * Return the running container of a listener.
	 * @param listenerId the listener id
	 * @return the container, or {@code null} if no listener with that id runs
	 */
	public ListenerContainer container(String listenerId) {
		for (ListenerContainer container : this.containers) {
			if (container.endpoint().id().equals(listenerId)) {
				return container;
			}
		}
		return null;
	}

	@Override
	public synchronized void start() {
		if (this.running) {
			return;
		}
		checkTables();
		CdcErrorHandler handler = this.errorHandler.get();
		DeadLetters store = this.deadLetters.get();
		if (store != null && handler == null
				&& this.endpoints.values().stream().anyMatch((e) -> e.failurePolicy() == FailurePolicy.DEAD_LETTER)) {
			store.initialize();
		}
		ListenerFailureHandler failureHandler = new ListenerFailureHandler(handler, store, () -> this.control);
		List<ListenerContainer> created = new ArrayList<>();
		for (ListenerEndpoint endpoint : this.endpoints.values()) {
			created.add(new ListenerContainer(endpoint, failureHandler, this::memory, this::gate, this.optInTables));
		}
		created.forEach(ListenerContainer::start);
		this.containers = List.copyOf(created);
		this.running = true;
	}

	@Override
	public synchronized void stop() {
		this.running = false;
		this.containers.forEach(ListenerContainer::stop);
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		// before the engine (DEFAULT_PHASE - 100) on start, after it on stop
		return DEFAULT_PHASE - 200;
	}

	@Override
	public void onChange(ChangeEvent event) {
		boolean optIn = this.optInTables.test(event.table());
		List<ListenerContainer> containers = this.containers;
		for (int i = 0; i < containers.size(); i++) {
			ListenerContainer container = containers.get(i);
			if (!optIn || !container.endpoint().tables().isEmpty()) {
				container.change(event);
			}
		}
	}

	@Override
	public boolean wantsTransactions() {
		for (ListenerContainer container : this.containers) {
			if (container.wantsTransactions()) {
				return true;
			}
		}
		return false;
	}

	@Override
	public void onTransaction(TransactionEvent transaction) {
		for (ListenerContainer container : this.containers) {
			container.transaction(transaction);
		}
	}

	@Override
	public void onAbandon() {
		for (ListenerContainer container : this.containers) {
			container.abandon();
		}
	}

	private DeliveryGate gate() {
		EngineControl engine = this.control;
		return (engine != null) ? engine.gate() : null;
	}

	private MemoryBudget memory() {
		EngineControl engine = this.control;
		return (engine != null) ? engine.memory() : null;
	}

	@Override
	public void onMessage(LogicalMessage message) {
		for (ListenerContainer container : this.containers) {
			container.message(message);
		}
	}

	@Override
	public void onCommit(TransactionCommit commit) {
		for (ListenerContainer container : this.containers) {
			container.commit(commit);
		}
	}

	@Override
	public void onBatchEnd() {
		for (ListenerContainer container : this.containers) {
			container.flush();
		}
	}

	@Override
	public void onReset() {
		for (ListenerContainer container : this.containers) {
			container.reset();
		}
	}

	@Override
	public CompletedPosition completedPosition() {
		return this::completed;
	}

	private Lsn completed() {
		Lsn lowest = NOTHING_PENDING;
		for (ListenerContainer container : this.containers) {
			Lsn completed = container.completed();
			if (completed.compareTo(lowest) < 0) {
				lowest = completed;
			}
		}
		return lowest;
	}

	@Override
	public void attach(EngineControl control) {
		this.control = control;
	}

	/**
	 * Return what a dead letter of the given listener is replayed to.
	 * @param listenerId the listener id
	 * @return the target, or {@code null} if no such listener exists
	 */
	public JdbcDeadLetters.DeadLetterTarget deadLetterTarget(String listenerId) {
		ListenerContainer container = container(listenerId);
		if (container == null) {
			return null;
		}
		return new JdbcDeadLetters.DeadLetterTarget() {

			@Override
			public void redeliver(List<ChangeEvent> changes) throws Exception {
				container.redeliver(changes);
			}

			@Override
			public void redeliver(LogicalMessage message) throws Exception {
				container.redeliver(message);
			}

		};
	}

	private void checkTables() {
		Map<TableId, List<String>> listenersByTable = new LinkedHashMap<>();
		for (ListenerEndpoint endpoint : this.endpoints.values()) {
			for (TableId table : endpoint.tables()) {
				if (this.optInTables.test(table)) {
					// the outbox table: created and checked by the outbox, absent in message mode
					continue;
				}
				listenersByTable.computeIfAbsent(table, (key) -> new ArrayList<>()).add(endpoint.id());
			}
		}
		for (Map.Entry<TableId, List<String>> entry : listenersByTable.entrySet()) {
			TableId table = entry.getKey();
			String listeners = entry.getValue().stream().map((id) -> "'" + id + "'").collect(Collectors.joining(", "));
			if (!this.publishedTables.isEmpty() && !this.publishedTables.contains(table)) {
				throw new IllegalStateException("@CdcListener " + listeners + " listens to " + table + ", which is not "
						+ "captured: add it to cdc.publication.tables (now " + this.publishedTables + ")");
			}
			if (this.dataSource != null && !exists(table)) {
				throw new IllegalStateException("@CdcListener " + listeners + " listens to " + table + ", which does "
						+ "not exist. Check the name (a bare name means schema public) in @CdcListener(tables = ...)");
			}
		}
	}

	private boolean exists(TableId table) {
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement(
						"SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
								+ "WHERE n.nspname = ? AND c.relname = ?")) {
			statement.setString(1, table.schema());
			statement.setString(2, table.name());
			try (ResultSet rs = statement.executeQuery()) {
				return rs.next();
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not check the tables of the @CdcListener methods: " + ex.getMessage(),
					ex);
		}
	}

}
