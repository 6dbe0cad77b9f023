package dev.pgcdc.listener.support;

import java.io.IOException;
import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.LogicalMessage;
import dev.pgcdc.event.Lsn;
import dev.pgcdc.event.Operation;
import dev.pgcdc.event.Row;
import dev.pgcdc.event.TableId;
import dev.pgcdc.event.TransactionEvent;
import dev.pgcdc.listener.support.ListenerMethodAdapter.Shape;
import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.util.ReflectionUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tests for {@link ListenerMethodAdapter}.
 */
class ListenerMethodAdapterTests {

	private static final TableId ORDERS = new TableId("public", "orders");

	private static final String ACCEPTED = "use one parameter of type ChangeEvent, a record or bean mapped from the "
			+ "row, Map<String, Object>, TransactionEvent, List<ChangeEvent> or LogicalMessage, or (row type, ChangeEvent)";

	// ---- shapes and delivery

	@Test
	void changeEventParameterIsEventShapeAndReceivesEveryChangeIncludingTruncate() throws Exception {
		Listeners bean = new Listeners();
		ListenerMethodAdapter adapter = adapter(bean, "onEvent", ChangeEvent.class);
		assertThat(adapter.shape()).isEqualTo(Shape.EVENT);
		assertThat(adapter.rowType()).isNull();
		assertThat(adapter.wantsTransactions()).isFalse();
		assertThat(adapter.wantsMessages()).isFalse();
		assertThat(adapter.acceptsTruncate()).isTrue();
		ChangeEvent insert = insert(order(1, "NEW"));
		ChangeEvent truncate = truncate();
		adapter.invoke(insert);
		adapter.invoke(truncate);
		assertThat(bean.received).containsExactly(insert, truncate);
	}

	@Test
	void recordParameterIsRowShapeMappedFromTheNewImage() throws Exception {
		Listeners bean = new Listeners();
		ListenerMethodAdapter adapter = adapter(bean, "onOrder", Order.class);
		assertThat(adapter.shape()).isEqualTo(Shape.ROW);
		assertThat(adapter.rowType()).isEqualTo(Order.class);
		assertThat(adapter.acceptsTruncate()).isFalse();
		adapter.invoke(insert(order(7, "PAID")));
		assertThat(bean.received).containsExactly(new Order(7L, "PAID", new BigDecimal("12.50"), "alice"));
	}

	@Test
	void rowShapeMapsTheOldImageOfADeleteWhoseMissingColumnsStayNull() throws Exception {
		Listeners bean = new Listeners();
		ListenerMethodAdapter adapter = adapter(bean, "onOrder", Order.class);
		adapter.invoke(delete(Row.of(Map.of("id", 9L))));
		assertThat(bean.received).containsExactly(new Order(9L, null, null, null));
	}

	@Test
	void rowShapeIsNotInvokedForTruncate() throws Exception {
		Listeners bean = new Listeners();
		adapter(bean, "onOrder", Order.class).invoke(truncate());
		adapter(bean, "onOrderAndEvent", Order.class, ChangeEvent.class).invoke(truncate());
		adapter(bean, "onMap", Map.class).invoke(truncate());
		assertThat(bean.received).isEmpty();
	}

	@Test
	void beanParameterIsRowShapeMappedThroughSetters() throws Exception {
		Listeners bean = new Listeners();
		ListenerMethodAdapter adapter = adapter(bean, "onBean", OrderBean.class);
		assertThat(adapter.shape()).isEqualTo(Shape.ROW);
		adapter.invoke(insert(order(3, "SHIPPED")));
		OrderBean mapped = (OrderBean) bean.received.get(0);
		assertThat(mapped.getId()).isEqualTo(3L);
		assertThat(mapped.getStatus()).isEqualTo("SHIPPED");
		assertThat(mapped.getCustomerName()).isEqualTo("alice");
	}

	@Test
	void rowTypeAndEventAreRowAndEventShape() throws Exception {
		Listeners bean = new Listeners();
		ListenerMethodAdapter adapter = adapter(bean, "onOrderAndEvent", Order.class, ChangeEvent.class);
		assertThat(adapter.shape()).isEqualTo(Shape.ROW_AND_EVENT);
		assertThat(adapter.rowType()).isEqualTo(Order.class);
		assertThat(adapter.acceptsTruncate()).isFalse();
		ChangeEvent event = insert(order(2, "NEW"));
		adapter.invoke(event);
		assertThat(bean.received).containsExactly(new Order(2L, "NEW", new BigDecimal("12.50"), "alice"), event);
	}

	@Test
	void mapParameterIsMapShapeWithColumnsInTableOrder() throws Exception {
		Listeners bean = new Listeners();
		ListenerMethodAdapter adapter = adapter(bean, "onMap", Map.class);
		assertThat(adapter.shape()).isEqualTo(Shape.MAP);
		assertThat(adapter.rowType()).isEqualTo(Map.class);
		adapter.invoke(insert(order(4, "NEW")));
		@SuppressWarnings("unchecked")
		Map<String, Object> map = (Map<String, Object>) bean.received.get(0);
		assertThat(map).containsExactly(Map.entry("id", 4L), Map.entry("status", "NEW"),
				Map.entry("total", new BigDecimal("12.50")), Map.entry("customer_name", "alice"));
	}

	@Test
	void wildcardMapParameterIsMapShape() {
		assertThat(adapter(new Listeners(), "onWildcardMap", Map.class).shape()).isEqualTo(Shape.MAP);
	}

	@Test
	void mapAndEventAreRowAndEventShape() throws Exception {
		Listeners bean = new Listeners();
		ListenerMethodAdapter adapter = adapter(bean, "onMapAndEvent", Map.class, ChangeEvent.class);
		assertThat(adapter.shape()).isEqualTo(Shape.ROW_AND_EVENT);
		assertThat(adapter.rowType()).isEqualTo(Map.class);
		ChangeEvent event = insert(order(5, "NEW"));
		adapter.invoke(event);
		assertThat(bean.received).hasSize(2);
		assertThat(bean.received.get(0)).isInstanceOf(Map.class);
		assertThat(((Map<?, ?>) bean.received.get(0)).get("status")).isEqualTo("NEW");
		assertThat(bean.received.get(1)).isSameAs(event);
	}

	@Test
	void transactionEventParameterReceivesTheTransaction() throws Exception {
		Listeners bean = new Listeners();
		ListenerMethodAdapter adapter = adapter(bean, "onTransaction", TransactionEvent.class);
		assertThat(adapter.shape()).isEqualTo(Shape.TRANSACTION);
		assertThat(adapter.wantsTransactions()).isTrue();
		assertThat(adapter.acceptsTruncate()).isTrue();
		TransactionEvent transaction = transaction(insert(order(1, "NEW")), truncate());
		adapter.invoke(transaction);
		assertThat(bean.received).containsExactly(transaction);
	}

	@Test
	void changeListParameterReceivesTheChangesOfTheTransaction() throws Exception {
		Listeners bean = new Listeners();
		ListenerMethodAdapter adapter = adapter(bean, "onChanges", List.class);
		assertThat(adapter.shape()).isEqualTo(Shape.CHANGE_LIST);
		assertThat(adapter.wantsTransactions()).isTrue();
		TransactionEvent transaction = transaction(insert(order(1, "NEW")), insert(order(2, "NEW")));
		adapter.invoke(transaction);
		assertThat(bean.received).containsExactly(transaction.changes());
	}

	@Test
	void wildcardChangeListParameterIsAccepted() {
		assertThat(adapter(new Listeners(), "onWildcardChanges", List.class).shape()).isEqualTo(Shape.CHANGE_LIST);
	}

	@Test
	void logicalMessageParameterReceivesMessages() throws Exception {
		Listeners bean = new Listeners();
		ListenerMethodAdapter adapter = adapter(bean, "onMessage", LogicalMessage.class);
		assertThat(adapter.shape()).isEqualTo(Shape.MESSAGE);
		assertThat(adapter.wantsMessages()).isTrue();
		assertThat(adapter.wantsTransactions()).isFalse();
		assertThat(adapter.acceptsTruncate()).isFalse();
		LogicalMessage message = new LogicalMessage("audit", "hello".getBytes(), true, Lsn.parse("0/10"));
		adapter.invoke(message);
		assertThat(bean.received).containsExactly(message);
	}

	@Test
	void returnValueIsIgnored() throws Exception {
		Listeners bean = new Listeners();
		adapter(bean, "returnsString", ChangeEvent.class).invoke(insert(order(1, "NEW")));
		adapter(bean, "returnsPrimitive", Order.class).invoke(insert(order(1, "NEW")));
		assertThat(bean.received).hasSize(2);
	}

	@Test
	void deliveryOfTheWrongKindIsRefused() {
		Listeners bean = new Listeners();
		ListenerMethodAdapter event = adapter(bean, "onEvent", ChangeEvent.class);
		ListenerMethodAdapter transaction = adapter(bean, "onTransaction", TransactionEvent.class);
		ListenerMethodAdapter message = adapter(bean, "onMessage", LogicalMessage.class);
		LogicalMessage logicalMessage = new LogicalMessage("p", new byte[0], false, Lsn.parse("0/1"));
		assertThatIllegalStateException().isThrownBy(() -> event.invoke(transaction()))
			.withMessageContaining("Listeners#onEvent(ChangeEvent)")
			.withMessageContaining("transactions");
		assertThatIllegalStateException().isThrownBy(() -> event.invoke(logicalMessage))
			.withMessageContaining("logical messages");
		assertThatIllegalStateException().isThrownBy(() -> transaction.invoke(insert(order(1, "NEW"))))
			.withMessageContaining("single changes");
		assertThatIllegalStateException().isThrownBy(() -> message.invoke(insert(order(1, "NEW"))))
			.withMessageContaining("single changes");
		assertThat(bean.received).isEmpty();
	}

	// ---- exceptions

	@Test
	void checkedExceptionIsRethrownAsIs() {
		Listeners bean = new Listeners();
		ListenerMethodAdapter adapter = adapter(bean, "throwsChecked", ChangeEvent.class);
		assertThatThrownBy(() -> adapter.invoke(insert(order(1, "NEW")))).isSameAs(bean.checked);
	}

	@Test
	void runtimeExceptionIsRethrownAsIs() {
		Listeners bean = new Listeners();
		ListenerMethodAdapter adapter = adapter(bean, "throwsRuntime", Order.class);
		assertThatThrownBy(() -> adapter.invoke(insert(order(1, "NEW")))).isSameAs(bean.runtime);
	}

	@Test
	void errorIsRethrownAsIs() {
		Listeners bean = new Listeners();
		ListenerMethodAdapter adapter = adapter(bean, "throwsError", TransactionEvent.class);
		assertThatThrownBy(() -> adapter.invoke(transaction())).isSameAs(bean.error);
	}

	@Test
	void mappingFailureReachesTheCallerWithTheColumnNamed() {
		Listeners bean = new Listeners();
		ListenerMethodAdapter adapter = adapter(bean, "onOrder", Order.class);
		Map<String, Object> values = new LinkedHashMap<>();
		values.put("id", "not a number");
		assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> adapter.invoke(insert(Row.of(values))))
			.withMessageContaining("'id'");
		assertThat(bean.received).isEmpty();
	}

	// ---- access, proxies, generics

	@Test
	void packagePrivateMethodOnPackagePrivateClassIsInvoked() throws Exception {
		PackagePrivateListener bean = new PackagePrivateListener();
		Method method = PackagePrivateListener.class.getDeclaredMethod("onEvent", ChangeEvent.class);
		ListenerMethodAdapter.of(bean, method, "PackagePrivateListener#onEvent").invoke(insert(order(1, "NEW")));
		assertThat(bean.count).hasValue(1);
	}

	@Test
	void privateMethodIsInvoked() throws Exception {
		Listeners bean = new Listeners();
		adapter(bean, "privateListener", ChangeEvent.class).invoke(insert(order(1, "NEW")));
		assertThat(bean.received).hasSize(1);
	}

	@Test
	void staticMethodIsInvokedWithOrWithoutBean() throws Exception {
		Method method = StaticListener.class.getDeclaredMethod("onEvent", ChangeEvent.class);
		StaticListener.count.set(0);
		ListenerMethodAdapter.of(null, method, null).invoke(insert(order(1, "NEW")));
		ListenerMethodAdapter.of(new StaticListener(), method, null).invoke(insert(order(1, "NEW")));
		assertThat(StaticListener.count).hasValue(2);
	}

	@Test
	void jdkProxyIsInvokedThroughItsInterface() throws Exception {
		InterfaceListener target = new InterfaceListener();
		AtomicInteger intercepted = new AtomicInteger();
		ProxyFactory factory = new ProxyFactory(target);
		factory.addInterface(OrderHandler.class);
		factory.addAdvice((MethodInterceptor) (invocation) -> {
			intercepted.incrementAndGet();
			return invocation.proceed();
		});
		Object proxy = factory.getProxy();
		assertThat(AopUtils.isJdkDynamicProxy(proxy)).isTrue();
		Method method = InterfaceListener.class.getMethod("handle", Order.class);
		ListenerMethodAdapter adapter = ListenerMethodAdapter.of(proxy, method, "InterfaceListener#handle(Order)");
		assertThat(adapter.shape()).isEqualTo(Shape.ROW);
		adapter.invoke(insert(order(8, "NEW")));
		assertThat(intercepted).hasValue(1);
		assertThat(target.received).containsExactly(new Order(8L, "NEW", new BigDecimal("12.50"), "alice"));
	}

	@Test
	void classProxyIsInvokedThroughTheProxy() throws Exception {
		Listeners target = new Listeners();
		AtomicInteger intercepted = new AtomicInteger();
		ProxyFactory factory = new ProxyFactory(target);
		factory.setProxyTargetClass(true);
		factory.addAdvice((MethodInterceptor) (invocation) -> {
			intercepted.incrementAndGet();
			return invocation.proceed();
		});
		Object proxy = factory.getProxy();
		assertThat(AopUtils.isCglibProxy(proxy)).isTrue();
		Method method = Listeners.class.getMethod("onEvent", ChangeEvent.class);
		ListenerMethodAdapter.of(proxy, method, "Listeners#onEvent(ChangeEvent)").invoke(insert(order(1, "NEW")));
		assertThat(intercepted).hasValue(1);
		assertThat(target.received).hasSize(1);
	}

	@Test
	void rowTypeDeclaredAsTypeVariableIsResolvedAgainstTheBeanClass() throws Exception {
		OrderGenericListener bean = new OrderGenericListener();
		Method method = GenericListener.class.getDeclaredMethod("on", Object.class);
		ListenerMethodAdapter adapter = ListenerMethodAdapter.of(bean, method, "OrderGenericListener#on(Order)");
		assertThat(adapter.shape()).isEqualTo(Shape.ROW);
		assertThat(adapter.rowType()).isEqualTo(Order.class);
		adapter.invoke(insert(order(6, "NEW")));
		assertThat(bean.received).containsExactly(new Order(6L, "NEW", new BigDecimal("12.50"), "alice"));
	}

	@Test
	void describeNamesClassMethodAndParameters() throws Exception {
		Method method = Listeners.class.getMethod("onOrderAndEvent", Order.class, ChangeEvent.class);
		assertThat(ListenerMethodAdapter.describe(method))
			.isEqualTo("ListenerMethodAdapterTests.Listeners#onOrderAndEvent(Order, ChangeEvent)");
		assertThat(ListenerMethodAdapter.of(new Listeners(), method, null).description())
			.isEqualTo(ListenerMethodAdapter.describe(method));
	}

	// ---- validation

	@Test
	void noParametersIsRejected() {
		assertUnsupported("none", new Class<?>[0], "it has no parameters");
	}

	@Test
	void threeParametersIsRejected() {
		assertUnsupported("three", new Class<?>[] { Order.class, ChangeEvent.class, String.class },
				"it has 3 parameters");
	}

	@Test
	void twoParametersOfTheWrongKindsAreRejectedWithTheGeneralHint() {
		assertThatIllegalStateException().isThrownBy(() -> adapter(new Invalid(), "on", String.class, int.class))
			.withMessage("@CdcListener method Invalid#on(String, int) has an unsupported signature: " + ACCEPTED);
	}

	@Test
	void eventBeforeRowTypeIsRejectedWithTheOrderToUse() {
		assertUnsupported("eventFirst", new Class<?>[] { ChangeEvent.class, Order.class },
				"the row type comes first and the ChangeEvent second, as in (Order, ChangeEvent)");
	}

	@Test
	void twoEventsAreRejected() {
		assertUnsupported("twoEvents", new Class<?>[] { ChangeEvent.class, ChangeEvent.class },
				"a ChangeEvent cannot precede the ChangeEvent");
	}

	@Test
	void rawListIsRejected() {
		assertUnsupported("rawList", new Class<?>[] { List.class }, "a raw List cannot receive changes, declare it "
				+ "as List<ChangeEvent>");
	}

	@Test
	void listOfStringsIsRejected() {
		assertUnsupported("strings", new Class<?>[] { List.class }, "a List<String> cannot receive changes");
	}

	@Test
	void unboundedWildcardListIsRejected() {
		assertUnsupported("anything", new Class<?>[] { List.class }, "a List<?> cannot receive changes");
	}

	@Test
	void interfaceRowTypeIsRejected() {
		assertUnsupported("onInterface", new Class<?>[] { OrderView.class },
				"the parameter (OrderView) is an interface and cannot be instantiated: make it a record or give it a "
						+ "no-argument constructor");
	}

	@Test
	void abstractRowTypeIsRejected() {
		assertUnsupported("onAbstract", new Class<?>[] { AbstractOrder.class },
				"(AbstractOrder) is an abstract class and cannot be instantiated: make it a record or give it a "
						+ "no-argument constructor");
	}

	@Test
	void rowTypeWithoutNoArgumentConstructorIsRejected() {
		assertUnsupported("onImmutable", new Class<?>[] { ImmutableOrder.class },
				"(ImmutableOrder) has no no-argument constructor: make it a record or give it a no-argument constructor");
	}

	@Test
	void innerClassRowTypeIsRejected() {
		assertUnsupported("onInner", new Class<?>[] { Invalid.InnerOrder.class },
				"is an inner class that needs an enclosing instance");
	}

	@Test
	void rowTypeBeforeEventIsCheckedToo() {
		assertUnsupported("onImmutableAndEvent", new Class<?>[] { ImmutableOrder.class, ChangeEvent.class },
				"the first parameter (ImmutableOrder) has no no-argument constructor");
	}

	@ParameterizedTest
	@ValueSource(strings = { "onString", "onObject", "onLong", "onPrimitive", "onArray", "onRow", "onTableId",
			"onOperation", "onHashMap", "onOptional" })
	void typesThatAreNotRowTypesAreRejected(String name) {
		Method method = findMethod(Invalid.class, name);
		assertThatIllegalStateException()
			.isThrownBy(() -> ListenerMethodAdapter.of(new Invalid(), method, ListenerMethodAdapter.describe(method)))
			.withMessageStartingWith("@CdcListener method ListenerMethodAdapterTests.Invalid#" + name + "(")
			.withMessageContaining("has an unsupported signature: the parameter (")
			.withMessageEndingWith(ACCEPTED);
	}

	@Test
	void rowParameterIsRejectedWithAHint() {
		assertUnsupported("onRow", new Class<?>[] { Row.class }, "take the ChangeEvent and call row()");
	}

	@Test
	void mapOfStringsIsRejected() {
		assertUnsupported("onStringMap", new Class<?>[] { Map.class },
				"a map receives the row only as Map<String, Object>, not as a Map<String, String>");
	}

	@Test
	void rawMapIsRejected() {
		assertUnsupported("onRawMap", new Class<?>[] { Map.class }, "not as a raw Map;");
	}

	@Test
	void unresolvableTypeVariableIsRejected() {
		assertThatIllegalStateException().isThrownBy(() -> ListenerMethodAdapter.of(new GenericListener<>(),
				GenericListener.class.getDeclaredMethod("on", Object.class), "GenericListener#on(T)"))
			.withMessageContaining("@CdcListener method GenericListener#on(T) has an unsupported signature")
			.withMessageContaining("the parameter (T) is a type variable that does not resolve to a class");
	}

	@Test
	void nullBeanForInstanceMethodIsRejected() {
		assertThatExceptionOfType(IllegalArgumentException.class)
			.isThrownBy(() -> ListenerMethodAdapter.of(null, Listeners.class.getMethod("onEvent", ChangeEvent.class),
					"Listeners#onEvent"))
			.withMessageContaining("Listeners#onEvent");
	}

	private static void assertUnsupported(String name, Class<?>[] parameterTypes, String reason) {
		Method method = ReflectionUtils.findMethod(Invalid.class, name, parameterTypes);
		assertThat(method).as("method %s", name).isNotNull();
		String description = "Invalid#" + name;
		assertThatIllegalStateException().isThrownBy(() -> ListenerMethodAdapter.of(new Invalid(), method, description))
			.withMessageStartingWith("@CdcListener method " + description + " has an unsupported signature: ")
			.withMessageContaining(reason)
			.withMessageEndingWith(ACCEPTED);
	}

	private static Method findMethod(Class<?> type, String name) {
		for (Method method : type.getDeclaredMethods()) {
			if (method.getName().equals(name)) {
				return method;
			}
		}
		throw new IllegalArgumentException(name);
	}

	private static ListenerMethodAdapter adapter(Object bean, String name, Class<?>... parameterTypes) {
		Method method = ReflectionUtils.findMethod(bean.getClass(), name, parameterTypes);
		assertThat(method).as("method %s", name).isNotNull();
		return ListenerMethodAdapter.of(bean, method, ListenerMethodAdapter.describe(method).replaceFirst("^.*\\.", ""));
	}

	// ---- events

	static Row order(long id, String status) {
		Map<String, Object> values = new LinkedHashMap<>();
		values.put("id", id);
		values.put("status", status);
		values.put("total", new BigDecimal("12.50"));
		values.put("customer_name", "alice");
		return Row.of(values);
	}

	static ChangeEvent insert(Row row) {
		return new ChangeEvent(Operation.INSERT, ORDERS, null, row, Lsn.parse("0/100"), Lsn.parse("0/200"), 1,
				Instant.EPOCH);
	}

	static ChangeEvent delete(Row before) {
		return new ChangeEvent(Operation.DELETE, ORDERS, before, null, Lsn.parse("0/100"), Lsn.parse("0/200"), 1,
				Instant.EPOCH);
	}

	static ChangeEvent truncate() {
		return new ChangeEvent(Operation.TRUNCATE, ORDERS, null, null, Lsn.parse("0/100"), Lsn.parse("0/200"), 1,
				Instant.EPOCH);
	}

	static TransactionEvent transaction(ChangeEvent... changes) {
		return new TransactionEvent(1, Lsn.parse("0/200"), Instant.EPOCH, List.of(changes));
	}

	// ---- listener types

	record Order(Long id, String status, BigDecimal total, String customerName) {
	}

	public static class OrderBean {

		private Long id;

		private String status;

		private String customerName;

		public Long getId() {
			return this.id;
		}

		public void setId(Long id) {
			this.id = id;
		}

		public String getStatus() {
			return this.status;
		}

		public void setStatus(String status) {
			this.status = status;
		}

		public String getCustomerName() {
			return this.customerName;
		}

		public void setCustomerName(String customerName) {
			this.customerName = customerName;
		}

	}

	interface OrderView {

		Long id();

	}

	abstract static class AbstractOrder {

		Long id;

	}

	static final class ImmutableOrder {

		final Long id;

		ImmutableOrder(Long id) {
			this.id = id;
		}

	}

	public static class Listeners {

		final List<Object> received = new ArrayList<>();

		final IOException checked = new IOException("checked");

		final IllegalStateException runtime = new IllegalStateException("runtime");

		final AssertionError error = new AssertionError("error");

		public void onEvent(ChangeEvent event) {
			this.received.add(event);
		}

		public void onOrder(Order order) {
			this.received.add(order);
		}

		public void onBean(OrderBean order) {
			this.received.add(order);
		}

		public void onOrderAndEvent(Order order, ChangeEvent event) {
			this.received.add(order);
			this.received.add(event);
		}

		public void onMap(Map<String, Object> row) {
			this.received.add(row);
		}

		public void onWildcardMap(Map<String, ?> row) {
			this.received.add(row);
		}

		public void onMapAndEvent(Map<String, Object> row, ChangeEvent event) {
			this.received.add(row);
			this.received.add(event);
		}

		public void onTransaction(TransactionEvent transaction) {
			this.received.add(transaction);
		}

		public void onChanges(List<ChangeEvent> changes) {
			this.received.add(changes);
		}

		public void onWildcardChanges(List<? extends ChangeEvent> changes) {
			this.received.add(changes);
		}

		public void onMessage(LogicalMessage message) {
			this.received.add(message);
		}

		public String returnsString(ChangeEvent event) {
			this.received.add(event);
			return "ignored";
		}

		public int returnsPrimitive(Order order) {
			this.received.add(order);
			return 42;
		}

		public void throwsChecked(ChangeEvent event) throws IOException {
			throw this.checked;
		}

		public void throwsRuntime(Order order) {
			throw this.runtime;
		}

		public void throwsError(TransactionEvent transaction) {
			throw this.error;
		}

		private void privateListener(ChangeEvent event) {
			this.received.add(event);
		}

	}

	static class StaticListener {

		static final AtomicInteger count = new AtomicInteger();

		static void onEvent(ChangeEvent event) {
			count.incrementAndGet();
		}

	}

	public interface OrderHandler {

		void handle(Order order);

	}

	public static class InterfaceListener implements OrderHandler {

		final List<Order> received = new ArrayList<>();

		@Override
		public void handle(Order order) {
			this.received.add(order);
		}

	}

	static class GenericListener<T> {

		final List<T> received = new ArrayList<>();

		void on(T row) {
			this.received.add(row);
		}

	}

	static class OrderGenericListener extends GenericListener<Order> {

	}

	@SuppressWarnings({ "rawtypes", "unused" })
	static class Invalid {

		void none() {
		}

		void three(Order order, ChangeEvent event, String extra) {
		}

		void on(String text, int number) {
		}

		void eventFirst(ChangeEvent event, Order order) {
		}

		void twoEvents(ChangeEvent first, ChangeEvent second) {
		}

		void rawList(List changes) {
		}

		void strings(List<String> changes) {
		}

		void anything(List<?> changes) {
		}

		void onInterface(OrderView order) {
		}

		void onAbstract(AbstractOrder order) {
		}

		void onImmutable(ImmutableOrder order) {
		}

		void onImmutableAndEvent(ImmutableOrder order, ChangeEvent event) {
		}

		void onInner(InnerOrder order) {
		}

		void onString(String value) {
		}

		void onObject(Object value) {
		}

		void onLong(Long value) {
		}

		void onPrimitive(int value) {
		}

		void onArray(Order[] value) {
		}

		void onRow(Row row) {
		}

		void onTableId(TableId table) {
		}

		void onOperation(Operation operation) {
		}

		void onHashMap(java.util.HashMap<String, Object> row) {
		}

		void onOptional(java.util.Optional<Order> row) {
		}

		void onStringMap(Map<String, String> row) {
		}

		void onRawMap(Map row) {
		}

		class InnerOrder {

			Long id;

		}

	}

	/**
	 * A listener class that is not public, with a method that is not public either.
	 */
	static class PackagePrivateListener {

		final AtomicInteger count = new AtomicInteger();

		void onEvent(ChangeEvent event) {
			this.count.incrementAndGet();
		}

	}

}
