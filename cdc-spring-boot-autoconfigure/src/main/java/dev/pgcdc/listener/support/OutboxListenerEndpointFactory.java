package dev.pgcdc.listener.support;

import java.lang.reflect.Method;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.pgcdc.event.Operation;
import dev.pgcdc.listener.FailurePolicy;
import dev.pgcdc.listener.OutboxListener;
import dev.pgcdc.outbox.Outbox;
import dev.pgcdc.outbox.OutboxCodec;

import org.springframework.util.StringUtils;

/**
 * Builds the {@link ListenerEndpoint} of an {@code @OutboxListener} method: an ordinary listener of the
 * outbox table's inserts (table mode) or of the outbox messages (message mode), so that outbox listeners
 * get the same containers, ordering, retries and dead letters as {@code @CdcListener} methods.
 *
 * @author pgcdc
 */
public final class OutboxListenerEndpointFactory {

	private final OutboxCodec codec;

	private final ListenerEndpointFactory defaults;

	/**
	 * Create a factory.
	 * @param codec reads the events
	 * @param defaultRetry the retry settings of listeners that set none
	 * @param defaultPolicy the failure policy of listeners that set none
	 */
	public OutboxListenerEndpointFactory(OutboxCodec codec, RetrySpec defaultRetry, FailurePolicy defaultPolicy) {
		this.codec = codec;
		this.defaults = new ListenerEndpointFactory(defaultRetry, defaultPolicy);
	}

	ListenerEndpoint create(Object bean, Method method, OutboxListener annotation, String beanName) {
		String description = ListenerEndpointFactory.describe(bean, method);
		String id = StringUtils.hasText(annotation.id()) ? annotation.id() : beanName + "#" + method.getName();
		OutboxListenerAdapter adapter = OutboxListenerAdapter.of(bean, method, description, this.codec,
				names(annotation.eventTypes(), "eventTypes", description),
				names(annotation.aggregateTypes(), "aggregateTypes", description));
		if (annotation.concurrency() < 1) {
			throw new IllegalStateException("@OutboxListener " + description + " has concurrency "
					+ annotation.concurrency() + "; use 1 or more");
		}
		// both sources, whatever the mode: events written before a mode change (or by instances still on
		// the other mode during a rolling deploy) are still in the slot
		return new ListenerEndpoint(id, adapter, Set.of(this.codec.table()), EnumSet.of(Operation.INSERT),
				ListenerCondition.always(), List.of(Outbox.MESSAGE_PREFIX), annotation.concurrency(),
				this.defaults.retry(annotation.maxAttempts(), "@OutboxListener " + description),
				this.defaults.policy(annotation.failurePolicy(), "@OutboxListener " + description));
	}

	private static Set<String> names(String[] values, String attribute, String description) {
		Set<String> names = new LinkedHashSet<>();
		for (String value : values) {
			if (!StringUtils.hasText(value)) {
				throw new IllegalStateException("@OutboxListener " + description + " lists an empty name in "
						+ attribute);
			}
			names.add(value);
		}
		return names;
	}

}
