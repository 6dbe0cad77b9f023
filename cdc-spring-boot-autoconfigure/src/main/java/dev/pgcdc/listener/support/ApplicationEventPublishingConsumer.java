package dev.pgcdc.listener.support;

import java.util.List;
import java.util.function.Predicate;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.TableId;
import dev.pgcdc.event.TransactionEvent;
import dev.pgcdc.outbox.Outbox;
import dev.pgcdc.outbox.OutboxCodec;
import dev.pgcdc.outbox.OutboxEvent;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import dev.pgcdc.replication.ChangeConsumer;

import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.PayloadApplicationEvent;
import org.springframework.context.event.GenericApplicationListener;
import org.springframework.context.support.AbstractApplicationContext;
import org.springframework.core.ResolvableType;

/**
 * Publishes every {@link ChangeEvent}, {@link TransactionEvent} and {@link LogicalMessage} through the
 * application context, so that {@code @EventListener} methods receive them; outbox rows and messages are
 * published as {@link dev.pgcdc.outbox.OutboxEvent}s instead.
 *
 * <p>Listeners run on the engine's dispatch thread and a transaction is acknowledged only after they
 * return; an exception from a listener goes to the engine's error handler. Transactions are only
 * assembled when some listener takes {@link TransactionEvent}, so large transactions cost no memory
 * otherwise.
 *
 * @author pgcdc
 */
public class ApplicationEventPublishingConsumer implements ChangeConsumer {

	private static final Log logger = LogFactory.getLog(ApplicationEventPublishingConsumer.class);

	private static final ResolvableType TRANSACTION_EVENT = ResolvableType
		.forClassWithGenerics(PayloadApplicationEvent.class, TransactionEvent.class);

	/** A payload no listener asks for: a listener that accepts it accepts anything. */
	private static final ResolvableType ANY_PAYLOAD = ResolvableType
		.forClassWithGenerics(PayloadApplicationEvent.class, Probe.class);

	private final ApplicationContext context;

	private final Predicate<TableId> optInTables;

	private final OutboxCodec outbox;

	private volatile Boolean wantsTransactions;

	public ApplicationEventPublishingConsumer(ApplicationContext context) {
		this(context, (table) -> false, null);
	}

	/**
	 * Create a consumer that also publishes outbox events.
	 * @param context where to publish
	 * @param optInTables the tables (the outbox) whose changes are not published as ChangeEvents
	 * @param outbox reads outbox events, or {@code null} when the outbox is off
	 */
	public ApplicationEventPublishingConsumer(ApplicationContext context, Predicate<TableId> optInTables,
			OutboxCodec outbox) {
		this.context = context;
		this.optInTables = optInTables;
		this.outbox = outbox;
	}

	@Override
	public void onChange(ChangeEvent event) {
		if (this.optInTables.test(event.table())) {
			if (this.outbox != null && this.outbox.isOutbox(event)) {
				publishOutboxEvent(() -> this.outbox.read(event));
			}
			return;
		}
		// a ready-typed event: publishing a bare payload makes Spring build its generic type for every row
		this.context.publishEvent(new ChangeApplicationEvent(this.context, event));
	}

	@Override
	public void onTransaction(TransactionEvent transaction) {
		List<ChangeEvent> changes = transaction.changes();
		if (changes.stream().anyMatch((change) -> this.optInTables.test(change.table()))) {
			changes = changes.stream().filter((change) -> !this.optInTables.test(change.table())).toList();
			if (changes.isEmpty()) {
				return;
			}
			transaction = new TransactionEvent(transaction.xid(), transaction.commitLsn(), transaction.commitTime(),
					changes);
		}
		this.context.publishEvent(transaction);
	}

	@Override
	public void onMessage(LogicalMessage message) {
		if (Outbox.MESSAGE_PREFIX.equals(message.prefix())) {
			if (this.outbox != null && this.outbox.isOutbox(message)) {
				publishOutboxEvent(() -> this.outbox.read(message));
			}
			return;
		}
		this.context.publishEvent(message);
	}

	/**
	 * An outbox row or message that cannot be read (written by hand, or by another version) is logged and
	 * skipped here rather than stopping the stream; the @OutboxListener containers dead-letter it.
	 */
	private void publishOutboxEvent(java.util.function.Supplier<OutboxEvent> reader) {
		OutboxEvent event;
		try {
			event = reader.get();
		}
		catch (RuntimeException ex) {
			logger.warn("Not publishing an unreadable outbox event as an application event: " + ex.getMessage());
			return;
		}
		this.context.publishEvent(event);
	}

	@Override
	public boolean wantsTransactions() {
		Boolean wants = this.wantsTransactions;
		if (wants == null) {
			wants = hasTransactionListener();
			this.wantsTransactions = wants;
		}
		return wants;
	}

	private boolean hasTransactionListener() {
		if (!(this.context instanceof AbstractApplicationContext configurable)) {
			return true;
		}
		for (ApplicationListener<?> listener : configurable.getApplicationListeners()) {
			if (supportsTransactions(listener)) {
				return true;
			}
		}
		for (ApplicationListener<?> listener : configurable.getBeansOfType(ApplicationListener.class, false, false)
			.values()) {
			if (supportsTransactions(listener)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether a listener asks for transaction events. One that takes any event or payload (Spring's own
	 * catch-all listeners) does not count: building every transaction for it would cost memory and time
	 * for nothing.
	 */
	private static boolean supportsTransactions(ApplicationListener<?> listener) {
		if (listener instanceof GenericApplicationListener generic) {
			return generic.supportsEventType(TRANSACTION_EVENT) && !generic.supportsEventType(ANY_PAYLOAD);
		}
		ResolvableType declared = ResolvableType.forClass(listener.getClass()).as(ApplicationListener.class).getGeneric();
		return declared.resolve() != null && declared.isAssignableFrom(TRANSACTION_EVENT)
				&& !declared.isAssignableFrom(ANY_PAYLOAD);
	}

	private static final class Probe {

	}

	/**
	 * What {@code publishEvent(change)} would publish, with its generic type worked out once instead of
	 * per event; listeners see an ordinary {@code PayloadApplicationEvent<ChangeEvent>}.
	 */
	@SuppressWarnings("serial")
	private static final class ChangeApplicationEvent extends PayloadApplicationEvent<ChangeEvent> {

		private static final ResolvableType TYPE = ResolvableType.forClassWithGenerics(PayloadApplicationEvent.class,
				ChangeEvent.class);

		ChangeApplicationEvent(Object source, ChangeEvent change) {
			super(source, change, TYPE.getGeneric());
		}

		@Override
		public ResolvableType getResolvableType() {
			return TYPE;
		}

	}

}
