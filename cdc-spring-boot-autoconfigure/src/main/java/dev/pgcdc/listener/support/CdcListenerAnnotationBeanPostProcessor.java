package dev.pgcdc.listener.support;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.Map;

import dev.pgcdc.listener.CdcListener;
import dev.pgcdc.listener.OutboxListener;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;

/**
 * Finds {@link CdcListener} and {@link OutboxListener} methods on beans and registers them with the
 * {@link CdcListenerRegistry}.
 *
 * <p>Registered as a static bean so that it sees every other bean; it looks the registry up only when it
 * finds a listener, so that it does not force early creation of the data source.
 *
 * @author pgcdc
 */
public class CdcListenerAnnotationBeanPostProcessor implements BeanPostProcessor, BeanFactoryAware {

	private BeanFactory beanFactory;

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
		Class<?> targetClass = AopUtils.getTargetClass(bean);
		if (!AnnotationCandidates.mayHaveListeners(targetClass)) {
			return bean;
		}
		Map<Method, CdcListener> methods = annotatedMethods(targetClass, CdcListener.class);
		if (!methods.isEmpty()) {
			CdcListenerRegistry registry = this.beanFactory.getBean(CdcListenerRegistry.class);
			methods.forEach((method, annotation) -> registry.register(bean,
					AopUtils.selectInvocableMethod(method, bean.getClass()), annotation, beanName));
		}
		Map<Method, OutboxListener> outboxMethods = annotatedMethods(targetClass, OutboxListener.class);
		if (!outboxMethods.isEmpty()) {
			CdcListenerRegistry registry = this.beanFactory.getBean(CdcListenerRegistry.class);
			OutboxListenerEndpointFactory factory = outboxEndpointFactory(outboxMethods.keySet().iterator().next(),
					bean);
			outboxMethods.forEach((method, annotation) -> registry.register(factory.create(bean,
					AopUtils.selectInvocableMethod(method, bean.getClass()), annotation, beanName)));
		}
		return bean;
	}

	private static <A extends Annotation> Map<Method, A> annotatedMethods(Class<?> targetClass, Class<A> type) {
		return MethodIntrospector.selectMethods(targetClass,
				(MethodIntrospector.MetadataLookup<A>) (method) -> AnnotatedElementUtils.findMergedAnnotation(method, type));
	}

	private OutboxListenerEndpointFactory outboxEndpointFactory(Method method, Object bean) {
		try {
			return this.beanFactory.getBean(OutboxListenerEndpointFactory.class);
		}
		catch (NoSuchBeanDefinitionException ex) {
			throw new IllegalStateException("@OutboxListener " + ListenerEndpointFactory.describe(bean, method)
					+ " needs the outbox, which is off: it needs Jackson on the class path (spring-boot-starter-json "
					+ "or -web), the application's DataSource, and cdc.outbox.enabled=true");
		}
	}

	/** Skips the JDK and Spring's own classes, which never carry listeners. */
	private static final class AnnotationCandidates {

		static boolean mayHaveListeners(Class<?> type) {
			String name = type.getName();
			return !(name.startsWith("java.") || name.startsWith("org.springframework.")
					|| name.startsWith("jdk.") || type.isPrimitive());
		}

	}

}
