package dev.pgcdc.listener.support;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.pgcdc.event.Operation;
import dev.pgcdc.event.TableId;
import dev.pgcdc.listener.CdcListener;
import dev.pgcdc.listener.FailurePolicy;

import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;

/**
 * Builds a {@link ListenerEndpoint} from a {@code @CdcListener} method, checking every attribute so that a
 * mistake fails start-up with a message naming the method and the fix.
 *
 * @author pgcdc
 */
final class ListenerEndpointFactory {

	private final RetrySpec defaultRetry;

	private final FailurePolicy defaultPolicy;

	ListenerEndpointFactory(RetrySpec defaultRetry, FailurePolicy defaultPolicy) {
		this.defaultRetry = defaultRetry;
		this.defaultPolicy = defaultPolicy;
	}

	ListenerEndpoint create(Object bean, Method method, CdcListener annotation, String beanName) {
		String description = describe(bean, method);
		String id = StringUtils.hasText(annotation.id()) ? annotation.id() : beanName + "#" + method.getName();
		ListenerMethodAdapter adapter = ListenerMethodAdapter.of(bean, method, description);
		Set<TableId> tables = new LinkedHashSet<>();
		for (String table : annotation.tables()) {
			if (!StringUtils.hasText(table)) {
				throw new IllegalStateException("@CdcListener " + description + " lists an empty table name; "
						+ "use 'orders' or 'schema.orders'");
			}
			tables.add(TableId.parse(table));
		}
		if (annotation.concurrency() < 1) {
			throw new IllegalStateException("@CdcListener " + description + " has concurrency " + annotation.concurrency()
					+ "; use 1 or more");
		}
		if (annotation.concurrency() > 1 && (adapter.wantsTransactions() || adapter.wantsMessages())) {
			throw new IllegalStateException("@CdcListener " + description + " takes whole transactions or messages, "
					+ "which run on one thread to keep their order; remove concurrency = " + annotation.concurrency());
		}
		if (annotation.messagePrefixes().length > 0 && !adapter.wantsMessages()) {
			throw new IllegalStateException("@CdcListener " + description + " sets messagePrefixes but does not take a "
					+ "LogicalMessage parameter; remove messagePrefixes or take a LogicalMessage");
		}
		if (adapter.wantsMessages() && (tables.size() > 0 || annotation.operations().length > 0
				|| StringUtils.hasText(annotation.condition()))) {
			throw new IllegalStateException("@CdcListener " + description + " takes logical messages, which have no "
					+ "table, operation or row; filter them with messagePrefixes instead");
		}
		ListenerCondition condition = StringUtils.hasText(annotation.condition())
				? ListenerCondition.parse(annotation.condition(), description) : ListenerCondition.always();
		RetrySpec retry = retry(annotation.maxAttempts(), "@CdcListener " + description);
		FailurePolicy policy = policy(annotation.failurePolicy(), "@CdcListener " + description);
		Set<Operation> operations = (annotation.operations().length == 0) ? EnumSet.noneOf(Operation.class)
				: EnumSet.copyOf(Arrays.asList(annotation.operations()));
		return new ListenerEndpoint(id, adapter, tables, operations, condition, List.of(annotation.messagePrefixes()),
				annotation.concurrency(), retry, policy);
	}

	/** How messages name a listener method: {@code OrderListener#onOrder(Order)}. */
	static String describe(Object bean, Method method) {
		return ClassUtils.getUserClass(bean).getSimpleName() + "#" + method.getName() + "("
				+ String.join(", ", Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName).toList()) + ")";
	}

	/** The retry settings of a listener that sets {@code maxAttempts} (-1 for the default). */
	RetrySpec retry(int maxAttempts, String listener) {
		if (maxAttempts == -1) {
			return this.defaultRetry;
		}
		if (maxAttempts < 1) {
			throw new IllegalStateException(listener + " has maxAttempts " + maxAttempts
					+ "; use 1 or more, or -1 for cdc.listener.retry.max-attempts");
		}
		return this.defaultRetry.withMaxAttempts(maxAttempts);
	}

	/** The failure policy of a listener that sets {@code failurePolicy} (empty for the default). */
	FailurePolicy policy(String value, String listener) {
		if (!StringUtils.hasText(value)) {
			return this.defaultPolicy;
		}
		try {
			return FailurePolicy.valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException(listener + " has failurePolicy '" + value
					+ "'; use dead-letter, stop or skip");
		}
	}

}
