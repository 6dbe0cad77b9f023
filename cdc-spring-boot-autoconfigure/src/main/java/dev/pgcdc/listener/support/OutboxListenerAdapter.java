package dev.pgcdc.listener.support;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.util.Set;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.TransactionEvent;
import dev.pgcdc.outbox.OutboxCodec;
import dev.pgcdc.outbox.OutboxEvent;

import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.core.ResolvableType;

/**
 * Invokes one {@link dev.pgcdc.listener.OutboxListener @OutboxListener} method with the events read from
 * outbox rows or outbox messages.
 *
 * <p>Accepted signatures: {@code (OutboxEvent)}, {@code (T payload)} and {@code (T payload, OutboxEvent)},
 * where {@code T} is anything the JSON mapper reads (records, beans, {@code Map}, {@code List<Item>},
 * {@code String} for the raw JSON). Events of other types or aggregates than the listener's are not routed
 * to it at all.
 *
 * @author pgcdc
 */
public final class OutboxListenerAdapter implements ListenerInvoker {

	private static final String ACCEPTED = "use (OutboxEvent), (T payload) or (T payload, OutboxEvent)";

	private final OutboxCodec codec;

	private final Set<String> eventTypes;

	private final Set<String> aggregateTypes;

	private final MethodHandle handle;

	private final Type payloadType;

	private final boolean withEvent;

	private final String description;

	private OutboxListenerAdapter(OutboxCodec codec, Set<String> eventTypes,
			Set<String> aggregateTypes, MethodHandle handle, Type payloadType, boolean withEvent, String description) {
		this.codec = codec;
		this.eventTypes = Set.copyOf(eventTypes);
		this.aggregateTypes = Set.copyOf(aggregateTypes);
		this.handle = handle;
		this.payloadType = payloadType;
		this.withEvent = withEvent;
		this.description = description;
	}

	/**
	 * Create an adapter, checking the method's signature.
	 * @param bean the bean
	 * @param method the annotated method
	 * @param description how to name the listener in messages
	 * @param codec reads events and payloads
	 * @param eventTypes the event types to receive, empty for all
	 * @param aggregateTypes the aggregate types to receive, empty for all
	 * @return the adapter
	 * @throws IllegalStateException if the signature is not supported
	 */
	static OutboxListenerAdapter of(Object bean, Method method, String description, OutboxCodec codec,
			Set<String> eventTypes, Set<String> aggregateTypes) {
		Class<?> targetClass = AopProxyUtils.ultimateTargetClass(bean);
		int count = method.getParameterCount();
		Type payloadType = null;
		boolean withEvent;
		if (count == 1) {
			ResolvableType type = ResolvableType.forMethodParameter(method, 0, targetClass);
			withEvent = type.toClass() == OutboxEvent.class;
			if (!withEvent) {
				payloadType = payloadType(type, description);
			}
		}
		else if (count == 2) {
			ResolvableType second = ResolvableType.forMethodParameter(method, 1, targetClass);
			if (second.toClass() != OutboxEvent.class) {
				throw unsupported(description, "with two parameters the second must be the OutboxEvent");
			}
			payloadType = payloadType(ResolvableType.forMethodParameter(method, 0, targetClass), description);
			withEvent = true;
		}
		else {
			throw unsupported(description, (count == 0) ? "it has no parameters" : "it has " + count + " parameters");
		}
		boolean isStatic = Modifier.isStatic(method.getModifiers());
		Method invocable = isStatic ? method : AopUtils.selectInvocableMethod(method, bean.getClass());
		MethodHandle handle = ListenerMethodAdapter.handle(bean, invocable, isStatic, description);
		handle = handle.asType((count == 2) ? MethodType.methodType(void.class, Object.class, Object.class)
				: MethodType.methodType(void.class, Object.class));
		return new OutboxListenerAdapter(codec, eventTypes, aggregateTypes, handle, payloadType, withEvent,
				description);
	}

	private static Type payloadType(ResolvableType type, String description) {
		Class<?> raw = type.resolve();
		if (raw == null || raw == Object.class || raw.isPrimitive()) {
			throw unsupported(description, "the payload parameter must be a concrete type, not "
					+ type.getType().getTypeName());
		}
		if (raw == OutboxEvent.class) {
			throw unsupported(description, "the OutboxEvent comes after the payload, as in (Payload, OutboxEvent)");
		}
		if (raw == ChangeEvent.class || raw == TransactionEvent.class || raw == LogicalMessage.class) {
			throw unsupported(description, raw.getSimpleName() + " belongs to @CdcListener methods");
		}
		// a type variable bound by the bean's class (on(T payload) in a generic base) reads as its binding
		return (type.getType() instanceof java.lang.reflect.TypeVariable) ? raw : type.getType();
	}

	private static IllegalStateException unsupported(String description, String reason) {
		return new IllegalStateException("@OutboxListener method " + description + " has an unsupported signature: "
				+ reason + "; " + ACCEPTED);
	}

	@Override
	public String description() {
		return this.description;
	}

	@Override
	public boolean wantsTransactions() {
		return false;
	}

	/** Outbox messages, whatever the mode: see {@link OutboxListenerEndpointFactory}. */
	@Override
	public boolean wantsMessages() {
		return true;
	}

	@Override
	public boolean acceptsTruncate() {
		return false;
	}

	/**
	 * An event that cannot be read is routed here all the same: its delivery fails on the listener's thread
	 * and takes the failure policy (a dead letter by default), where the dispatcher would have stopped the
	 * whole stream.
	 */
	@Override
	public boolean accepts(ChangeEvent event) {
		if (!this.codec.isOutbox(event)) {
			return false;
		}
		try {
			return accepts(this.codec.read(event));
		}
		catch (RuntimeException ex) {
			return true;
		}
	}

	@Override
	public boolean accepts(LogicalMessage message) {
		if (!this.codec.isOutbox(message)) {
			return false;
		}
		try {
			return accepts(this.codec.read(message));
		}
		catch (RuntimeException ex) {
			return true;
		}
	}

	private boolean accepts(OutboxEvent event) {
		return (this.eventTypes.isEmpty() || this.eventTypes.contains(event.eventType()))
				&& (this.aggregateTypes.isEmpty() || this.aggregateTypes.contains(event.aggregateType()));
	}

	/** Events of one aggregate stay on one worker, in order; an unreadable one goes to the first. */
	@Override
	public int partitionHash(ChangeEvent event) {
		try {
			return this.codec.read(event).aggregateId().hashCode();
		}
		catch (RuntimeException ex) {
			return 0;
		}
	}

	@Override
	public int partitionHash(LogicalMessage message) {
		try {
			return this.codec.read(message).aggregateId().hashCode();
		}
		catch (RuntimeException ex) {
			return 0;
		}
	}

	@Override
	public void invoke(ChangeEvent event) throws Exception {
		invoke(this.codec.read(event));
	}

	@Override
	public void invoke(LogicalMessage message) throws Exception {
		invoke(this.codec.read(message));
	}

	@Override
	public void invoke(TransactionEvent transaction) {
		throw new IllegalStateException("@OutboxListener method " + this.description + " takes single events");
	}

	private void invoke(OutboxEvent event) throws Exception {
		try {
			if (this.payloadType == null) {
				this.handle.invokeExact((Object) event);
			}
			else if (this.withEvent) {
				this.handle.invokeExact(payload(event), (Object) event);
			}
			else {
				this.handle.invokeExact(payload(event));
			}
		}
		catch (Throwable ex) {
			throw ListenerMethodAdapter.rethrow(ex);
		}
	}

	private Object payload(OutboxEvent event) {
		return (this.payloadType == String.class) ? event.payloadJson()
				: this.codec.readPayload(event.payloadJson(), this.payloadType);
	}

	@Override
	public String toString() {
		return "OutboxListenerAdapter{" + this.description + "}";
	}

}
