package dev.pgcdc.listener.support;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableId;
import dev.pgcdc.listener.FailurePolicy;
import dev.pgcdc.outbox.Outbox;

/**
 * Everything about one listener: what it receives, how it is invoked, how many threads run it and what
 * happens when it fails.
 *
 * <p>Built from a {@code @CdcListener} or {@code @OutboxListener} method at start-up, immutable after.
 *
 * @param id the listener id
 * @param adapter invokes the method
 * @param tables the tables it listens to, empty for all
 * @param operations the operations it listens to, empty for all
 * @param condition the condition an event must meet
 * @param messagePrefixes the logical message prefixes it takes, empty for all
 * @param concurrency the number of threads
 * @param retry the retry settings
 * @param failurePolicy what to do after the last failed attempt
 * @author pgcdc
 */
public record ListenerEndpoint(String id, ListenerInvoker adapter, Set<TableId> tables,
		Set<Operation> operations, ListenerCondition condition, List<String> messagePrefixes, int concurrency,
		RetrySpec retry, FailurePolicy failurePolicy) {

	public ListenerEndpoint {
		tables = Set.copyOf(tables);
		operations = operations.isEmpty() ? EnumSet.allOf(Operation.class) : EnumSet.copyOf(operations);
		messagePrefixes = List.copyOf(messagePrefixes);
	}

	/**
	 * Return whether a change belongs to this listener by table and operation; the condition is checked
	 * later, on the listener's own thread.
	 * @param event the change
	 * @return whether to route it here
	 */
	public boolean routes(ChangeEvent event) {
		if (!this.operations.contains(event.operation())) {
			return false;
		}
		if (event.operation() == Operation.TRUNCATE && !this.adapter.acceptsTruncate()) {
			return false;
		}
		return (this.tables.isEmpty() || this.tables.contains(event.table())) && this.adapter.accepts(event);
	}

	/**
	 * Return whether a logical message belongs to this listener.
	 * @param message the message
	 * @return whether to deliver it
	 */
	public boolean routes(LogicalMessage message) {
		if (!this.adapter.wantsMessages()) {
			return false;
		}
		if (this.messagePrefixes.isEmpty()) {
			// like the outbox table, outbox messages go only to listeners that ask for them
			return !Outbox.MESSAGE_PREFIX.equals(message.prefix()) && this.adapter.accepts(message);
		}
		for (String prefix : this.messagePrefixes) {
			if (message.prefix().equals(prefix)) {
				return this.adapter.accepts(message);
			}
		}
		return false;
	}

}
