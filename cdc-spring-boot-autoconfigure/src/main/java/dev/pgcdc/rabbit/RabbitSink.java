package dev.pgcdc.rabbit;

import java.util.function.Predicate;
import java.util.function.Supplier;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.TableId;
import dev.pgcdc.event.TransactionEvent;
import dev.pgcdc.listener.DeadLetters;
import dev.pgcdc.listener.FailurePolicy;
import dev.pgcdc.outbox.OutboxCodec;
import dev.pgcdc.replication.ChangeConsumer;
import dev.pgcdc.replication.DeliveryGate;
import dev.pgcdc.replication.EngineControl;
import dev.pgcdc.replication.MemoryBudget;
import dev.pgcdc.replication.TransactionCommit;

import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The RabbitMQ sink as one engine consumer: every committed change of its tables, and every outbox event,
 * published to a topic exchange in commit order with publisher confirms.
 *
 * <p>Create it with {@link RabbitSinkFactory}; Spring Boot does so from the {@code cdc.rabbit.*}
 * properties. The dispatcher builds each message while it iterates the transaction (never copying its
 * changes) and hands it to a window whose memory is reserved from the engine's budget
 * ({@code cdc.memory.max-bytes}); a publisher thread of the sink's own publishes the window with many
 * messages in flight, holding while the engine's replication connection is lost and dropping the backlog
 * when another instance took the slot over. The engine confirms a transaction to PostgreSQL only once the
 * broker confirmed every message of it and of the transactions before ({@link #completedPosition()}), so a
 * crash or a broker outage never loses a message; after one, messages may arrive twice, with the same
 * message id.
 *
 * @author pgcdc
 */
public final class RabbitSink implements ChangeConsumer, SmartLifecycle {

	private final RabbitSinkSettings settings;

	private final Predicate<TableId> tables;

	private final RabbitMessages messages;

	private final OutboxCodec outbox;

	private final Supplier<DeadLetters> deadLetters;

	private final ConfirmWindow window;

	private final RabbitPublisher publisher;

	private final RabbitSinkStatistics statistics = new RabbitSinkStatistics();

	private volatile EngineControl control;

	private volatile Thread thread;

	/** The delivery epoch of the transaction being added, -1 between transactions (dispatcher only). */
	private long epoch = -1;

	RabbitSink(RabbitSinkSettings settings, Predicate<TableId> tables, RabbitMessages messages, OutboxCodec outbox,
			ConnectionFactory connectionFactory, Supplier<DeadLetters> deadLetters) {
		this.settings = settings;
		this.tables = tables;
		this.messages = messages;
		this.outbox = outbox;
		this.deadLetters = (deadLetters != null) ? deadLetters : () -> null;
		this.window = new ConfirmWindow(settings.maxInFlight(), settings.maxInFlightBytes());
		this.publisher = new RabbitPublisher(connectionFactory, settings, this.window, this.statistics,
				this.deadLetters, () -> this.control);
		this.statistics.bind(this.window::backlog, this.window::heldBytes, this.window::completed);
	}

	/**
	 * Return the sink's counters and state.
	 * @return the statistics
	 */
	public RabbitSinkStatistics statistics() {
		return this.statistics;
	}

	/**
	 * Return the position up to which every message was confirmed by the broker.
	 * @return the end of the last transaction confirmed
	 */
	public Lsn confirmedLsn() {
		return this.window.completed();
	}

	@Override
	public boolean wantsTransactions() {
		return true;
	}

	@Override
	public void onTransaction(TransactionEvent transaction) throws InterruptedException {
		int index = 0;
		// iterated, not copied: a large transaction pages from disk, and only the window's messages stay
		for (ChangeEvent change : transaction.changes()) {
			if (this.outbox != null && this.outbox.isOutbox(change)) {
				if (this.settings.outbox() && !add(this.messages.outbox(this.outbox.read(change), change, null))) {
					return;
				}
			}
			else if (this.tables.test(change.table()) && !add(this.messages.change(change, index))) {
				return;
			}
			index++;
		}
	}

	@Override
	public void onMessage(LogicalMessage message) throws InterruptedException {
		if (this.settings.outbox() && this.outbox != null && this.outbox.isOutbox(message)) {
			add(this.messages.outbox(this.outbox.read(message), null, message));
		}
	}

	/** Returns false when the rest of the transaction is to be dropped. */
	private boolean add(OutgoingMessage message) throws InterruptedException {
		// backpressure: while the broker is down the window fills the memory budget and the dispatcher (and so
		// the reader) waits; a closed window (the sink stopped or failed) drops it, and nothing from it on is
		// confirmed; a voided epoch (another instance took the slot over) drops the rest of the transaction
		return this.window.add(message, epoch(), memory(), gate());
	}

	private long epoch() {
		// taken once per transaction: if the gate moves while the dispatcher waits here for memory, the rest
		// of the transaction belongs to the old epoch and is dropped with it
		if (this.epoch < 0) {
			this.epoch = gate().epoch();
		}
		return this.epoch;
	}

	@Override
	public void onCommit(TransactionCommit commit) {
		this.window.end(commit.endLsn(), epoch(), gate());
		this.epoch = -1;
	}

	@Override
	public void onReset() {
		this.epoch = -1;
	}

	@Override
	public void onAbandon() {
		this.epoch = -1;
		this.publisher.dropVoided();
	}

	private MemoryBudget memory() {
		EngineControl engine = this.control;
		return (engine != null) ? engine.memory() : MemoryBudget.UNBOUNDED;
	}

	private DeliveryGate gate() {
		EngineControl engine = this.control;
		return (engine != null) ? engine.gate() : DeliveryGate.OPEN;
	}

	@Override
	public CompletedPosition completedPosition() {
		return this.window::completed;
	}

	@Override
	public void attach(EngineControl control) {
		this.control = control;
	}

	/**
	 * Start publishing: connect and declare the topology, then publish from a thread of the sink's own. A
	 * broker that cannot be reached is retried in the background.
	 * @throws IllegalStateException if the broker refuses to declare the exchange or a queue
	 */
	@Override
	public synchronized void start() {
		if (this.thread != null) {
			return;
		}
		if (this.settings.failurePolicy() == FailurePolicy.DEAD_LETTER) {
			DeadLetters store = this.deadLetters.get();
			if (store != null) {
				store.initialize();
			}
		}
		this.publisher.connectBeforeStart();
		Thread thread = new Thread(this.publisher, "pgcdc-rabbit-publisher");
		thread.setDaemon(true);
		thread.start();
		this.thread = thread;
	}

	@Override
	public synchronized void stop() {
		Thread thread = this.thread;
		this.thread = null;
		if (thread != null) {
			this.publisher.stop();
			this.window.close();
			thread.interrupt();
			try {
				thread.join(10_000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	@Override
	public boolean isRunning() {
		return this.thread != null;
	}

	@Override
	public int getPhase() {
		// before the engine (DEFAULT_PHASE - 100) on start, after it on stop
		return DEFAULT_PHASE - 200;
	}

}
