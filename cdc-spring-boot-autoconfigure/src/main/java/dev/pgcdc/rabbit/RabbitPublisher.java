package dev.pgcdc.rabbit;

import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;

import com.rabbitmq.client.BlockedListener;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ShutdownSignalException;
import dev.pgcdc.listener.CdcListenerFailure;
import dev.pgcdc.listener.DeadLetters;
import dev.pgcdc.listener.FailurePolicy;
import dev.pgcdc.replication.Backoff;
import dev.pgcdc.replication.DeliveryGate;
import dev.pgcdc.replication.EngineControl;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.amqp.rabbit.connection.Connection;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;

/**
 * The sink's publisher thread: publishes the window's messages in order on a channel of its own in
 * confirm mode, {@code mandatory} so that unroutable messages come back, many in flight; the broker's
 * confirms arrive on the connection's thread and move the window's completed position.
 *
 * <p>When the broker cannot be reached (or closes the connection) it connects again with back-off, for
 * ever, and publishes every unconfirmed message again, in order: a message may reach a queue twice, with
 * the same message id, never not at all. Returned and refused messages go to the failure policy here, off
 * the connection's thread.
 *
 * @author pgcdc
 */
final class RabbitPublisher implements Runnable {

	private static final Log logger = LogFactory.getLog(RabbitPublisher.class);

	static final String DEAD_LETTER_ID = "rabbit-sink";

	private final ConnectionFactory connectionFactory;

	private final RabbitSinkSettings settings;

	private final RabbitTopology topology;

	private final ConfirmWindow window;

	private final RabbitSinkStatistics statistics;

	private final Supplier<DeadLetters> deadLetters;

	private final Supplier<EngineControl> control;

	private final Backoff backoff;

	private final BlockedListener blockedListener = new Blocked();

	private volatile Channel channel;

	private com.rabbitmq.client.Connection watched;

	private volatile boolean running = true;

	private volatile boolean halted;

	private int failedAttempts;

	private volatile String haltReason;

	RabbitPublisher(ConnectionFactory connectionFactory, RabbitSinkSettings settings, ConfirmWindow window,
			RabbitSinkStatistics statistics, Supplier<DeadLetters> deadLetters, Supplier<EngineControl> control) {
		ConnectionFactory publisher = connectionFactory.getPublisherConnectionFactory();
		// a connection apart from the application's consumers: a blocked publisher does not stall them
		this.connectionFactory = (publisher != null) ? publisher : connectionFactory;
		this.settings = settings;
		this.topology = new RabbitTopology(settings.exchange(), settings.declare());
		this.window = window;
		this.statistics = statistics;
		this.deadLetters = deadLetters;
		this.control = control;
		this.backoff = new Backoff(settings.retryInitialInterval(), settings.retryMaxInterval());
	}

	boolean isHalted() {
		return this.halted;
	}

	void stop() {
		this.running = false;
		closeChannel();
	}

	@Override
	public void run() {
		try {
			while (this.running && !this.halted) {
				Channel current = this.channel;
				if (current == null || !current.isOpen()) {
					connect();
					continue;
				}
				applyFailurePolicy();
				OutgoingMessage message = this.window.nextUnsent(50);
				if (message != null && gateOpen(message)) {
					publish(current, message);
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (Throwable ex) {
			halt("the RabbitMQ sink failed: " + ex + "; nothing from its unconfirmed transactions is confirmed", ex);
		}
		finally {
			closeChannel();
			this.statistics.state(this.halted ? RabbitSinkState.FAILED : RabbitSinkState.STOPPED);
		}
	}

	/**
	 * Wait while the engine's replication connection is lost; drop what was added before another instance
	 * took the slot over (that instance publishes it from the slot's position, and a late publish here could
	 * put an older change after a newer one in a queue).
	 * @return whether to publish the message
	 */
	private boolean gateOpen(OutgoingMessage message) throws InterruptedException {
		DeliveryGate gate = gate();
		if (gate.await(message.epoch, () -> this.running && !this.halted)) {
			return true;
		}
		if (gate.voided(message.epoch)) {
			dropVoided();
		}
		else {
			this.window.unsend(message);
		}
		return false;
	}

	/** Drop the backlog of voided epochs (from the publisher, or the dispatcher's {@code onAbandon}). */
	void dropVoided() {
		int dropped = this.window.dropVoided(gate());
		if (dropped > 0) {
			logger.info("RabbitMQ sink dropped its backlog of " + dropped + " message(s): another instance holds "
					+ "the slot and publishes them");
		}
	}

	private DeliveryGate gate() {
		EngineControl engine = this.control.get();
		return (engine != null) ? engine.gate() : DeliveryGate.OPEN;
	}

	private void publish(Channel current, OutgoingMessage message) throws InterruptedException {
		try {
			this.window.sending(message, current.getNextPublishSeqNo());
			current.basicPublish(this.settings.exchange(), message.routingKey, true, message.properties, message.body);
			this.statistics.messagePublished();
		}
		catch (IOException | ShutdownSignalException ex) {
			// the message goes out again, with every other unconfirmed one, on the next channel
			closeChannel();
			backOff("cannot publish to RabbitMQ: " + ex.getMessage());
		}
	}

	private void connect() throws InterruptedException {
		closeChannel();
		this.window.rewind();
		Channel created = null;
		try {
			Connection connection = this.connectionFactory.createConnection();
			com.rabbitmq.client.Connection delegate = connection.getDelegate();
			if (delegate != this.watched) {
				delegate.addBlockedListener(this.blockedListener);
				this.watched = delegate;
			}
			created = delegate.createChannel();
			if (created == null) {
				throw new IOException("the broker has no channel left on the connection (channel-max)");
			}
			created.confirmSelect();
			created.addConfirmListener((sequence, multiple) -> confirmed(sequence, multiple, true),
					(sequence, multiple) -> confirmed(sequence, multiple, false));
			created.addReturnListener((returned) -> {
				this.statistics.messageReturned();
				this.window.returned(returned.getProperties().getMessageId(),
						"returned it as unroutable (" + returned.getReplyCode() + " " + returned.getReplyText()
								+ ": no queue is bound to exchange '" + returned.getExchange() + "' for routing key '"
								+ returned.getRoutingKey() + "')");
			});
			this.topology.declare(created);
			this.channel = created;
			this.backoff.reset();
			this.statistics.state(RabbitSinkState.PUBLISHING);
			if (this.failedAttempts > 0) {
				logger.info("RabbitMQ sink reconnected after " + this.failedAttempts + " attempt(s); publishing "
						+ this.window.backlog() + " unconfirmed message(s) again");
				this.failedAttempts = 0;
			}
		}
		catch (IOException ex) {
			close(created);
			if (ex.getCause() instanceof ShutdownSignalException signal && !signal.isHardError()) {
				halt("RabbitMQ refused to declare the " + this.topology + ": " + signal.getMessage()
						+ ". An exchange or queue of that name exists with other settings: delete it or change "
						+ "cdc.rabbit.exchange / cdc.rabbit.declare, then restart", ex);
				return;
			}
			backOff("cannot connect to RabbitMQ: " + ex.getMessage());
		}
		catch (RuntimeException ex) {
			close(created);
			backOff("cannot connect to RabbitMQ: " + ex.getMessage());
		}
	}

	private void confirmed(long sequence, boolean multiple, boolean ack) {
		int count = this.window.confirmed(sequence, multiple, ack);
		if (ack) {
			this.statistics.confirmed(count);
		}
		else {
			for (int i = 0; i < count; i++) {
				this.statistics.messageNacked();
			}
		}
	}

	/** Dead-letter or skip each returned or refused message; or stop, confirming nothing from it on. */
	private void applyFailurePolicy() {
		OutgoingMessage failed;
		while (!this.halted && (failed = this.window.nextFailed()) != null) {
			String what = "RabbitMQ " + failed.failure + ": " + failed;
			FailurePolicy policy = this.settings.failurePolicy();
			RabbitPublishException failure = new RabbitPublishException(what
					+ "; bind a queue to that routing key (cdc.rabbit.declare) or change cdc.rabbit.routing-key");
			if (policy == FailurePolicy.SKIP) {
				this.statistics.skipped(what);
				logger.warn(what + "; skipped (cdc.rabbit.failure-policy=skip)");
				this.window.resolved(failed);
				continue;
			}
			if (policy == FailurePolicy.DEAD_LETTER && deadLetter(failed, failure, what)) {
				this.window.resolved(failed);
				continue;
			}
			halt(what + " and cdc.rabbit.failure-policy=" + policy.name().toLowerCase().replace('_', '-')
					+ ". Bind a queue to that routing key (cdc.rabbit.declare) or change cdc.rabbit.routing-key, then "
					+ "restart: nothing from this transaction on was confirmed, so it is published again", failure);
		}
	}

	private boolean deadLetter(OutgoingMessage failed, RabbitPublishException failure, String what) {
		DeadLetters store = this.deadLetters.get();
		if (store == null) {
			return false;
		}
		try {
			List<dev.pgcdc.event.ChangeEvent> changes = (failed.change != null) ? List.of(failed.change) : List.of();
			long id = store.store(new CdcListenerFailure(DEAD_LETTER_ID, changes, failed.message, failure, 1));
			this.statistics.deadLettered(what);
			logger.warn(what + "; stored as dead letter " + id);
			return true;
		}
		catch (RuntimeException ex) {
			logger.error("Could not store the dead letter of the RabbitMQ sink", ex);
			return false;
		}
	}

	private void backOff(String error) throws InterruptedException {
		this.statistics.retried(error);
		this.statistics.state(RabbitSinkState.RETRYING);
		long delay = this.backoff.nextDelayMillis();
		String first = this.window.firstUnconfirmed();
		if (this.failedAttempts == 0) {
			logger.warn("RabbitMQ sink " + error + "; retrying with back-off up to "
					+ this.settings.retryMaxInterval().toMillis() + " ms"
					+ ((first != null) ? "; nothing past " + first + " is confirmed to PostgreSQL until the broker "
							+ "confirms it" : ""));
		}
		else if (logger.isDebugEnabled()) {
			logger.debug("RabbitMQ sink still " + error + ", attempt " + this.failedAttempts);
		}
		this.failedAttempts++;
		long until = System.currentTimeMillis() + delay;
		while (this.running && System.currentTimeMillis() < until) {
			Thread.sleep(Math.min(50, Math.max(1, until - System.currentTimeMillis())));
		}
	}

	private void halt(String reason, Throwable cause) {
		this.halted = true;
		this.statistics.failed(reason);
		this.window.close();
		report(reason, cause);
	}

	private void report(String reason, Throwable cause) {
		this.haltReason = reason;
		EngineControl engine = this.control.get();
		if (engine != null) {
			engine.fail(reason, cause);
		}
		else {
			logger.error(reason, cause);
		}
	}

	/**
	 * Connect once, on the caller's thread, before the publisher thread starts: a broker that refuses the
	 * topology fails start-up; one that cannot be reached is retried by the publisher thread.
	 * @throws IllegalStateException if the broker refused to declare the topology
	 */
	void connectBeforeStart() {
		try {
			connect();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		if (this.halted) {
			throw new IllegalStateException(this.haltReason);
		}
	}

	private void closeChannel() {
		Channel current = this.channel;
		this.channel = null;
		close(current);
	}

	private static void close(Channel channel) {
		if (channel != null && channel.isOpen()) {
			try {
				channel.abort();
			}
			catch (IOException | RuntimeException ex) {
				// closing anyway
			}
		}
	}

	private final class Blocked implements BlockedListener {

		@Override
		public void handleBlocked(String reason) {
			RabbitPublisher.this.statistics.state(RabbitSinkState.BLOCKED);
			RabbitPublisher.this.statistics.retried("the broker blocked the connection: " + reason);
			logger.warn("RabbitMQ blocked the sink's connection (" + reason + "); messages wait, and nothing past "
					+ "the first unconfirmed one is confirmed to PostgreSQL");
		}

		@Override
		public void handleUnblocked() {
			RabbitPublisher.this.statistics.state(RabbitSinkState.PUBLISHING);
			logger.info("RabbitMQ unblocked the sink's connection");
		}

	}

}
