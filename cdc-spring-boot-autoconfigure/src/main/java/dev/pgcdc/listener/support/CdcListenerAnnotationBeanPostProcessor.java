package dev.pgcdc.listener.support;

import java.lang.reflect.Method;
import java.util.Map;

import dev.pgcdc.listener.CdcListener;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;

/**
 * Finds {@link CdcListener} methods on beans and registers them with the {@link CdcListenerRegistry}.
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
		Map<Method, CdcListener> methods = MethodIntrospector.selectMethods(targetClass,
				(MethodIntrospector.MetadataLookup<CdcListener>) (method) -> AnnotatedElementUtils
					.findMergedAnnotation(method, CdcListener.class));
		if (!methods.isEmpty()) {
			CdcListenerRegistry registry = this.beanFactory.getBean(CdcListenerRegistry.class);
			methods.forEach((method, annotation) -> registry.register(bean,
					AopUtils.selectInvocableMethod(method, bean.getClass()), annotation, beanName));
		}
		return bean;
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
