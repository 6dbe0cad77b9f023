package dev.pgcdc.sample.live;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.actuate.CdcEndpoint;
import dev.pgcdc.actuate.CdcEndpoint.CdcDescriptor;
import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.outbox.OutboxEvent;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.MediaType;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Sends captured changes ({@code change} events) and the stream's status once a second ({@code status}
 * events) to the browsers showing the live page, as server-sent events.
 *
 * <p>Changes arrive as application events on pgcdc's dispatch thread. A slow browser must not slow that
 * thread (it holds back the slot's confirmation), so sending is handed to one thread of its own with a
 * bounded queue: when browsers fall that far behind, the oldest changes are not shown, the stream is not
 * affected. A new browser first gets the last {@value #RECENT} changes, so the page is never empty.
 *
 * @author pgcdc
 */
@Component
public class LiveFeed {

	static final int RECENT = 50;

	private final Set<SseEmitter> browsers = ConcurrentHashMap.newKeySet();

	private final Deque<LiveChange> recent = new ArrayDeque<>();

	private final ThreadPoolExecutor sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
			new ArrayBlockingQueue<>(10_000), (runnable) -> new Thread(runnable, "live-feed"),
			new ThreadPoolExecutor.DiscardOldestPolicy());

	private final ObjectProvider<CdcEndpoint> cdc;

	private long lastEvents = -1;

	private long lastNanos;

	public LiveFeed(ObjectProvider<CdcEndpoint> cdc) {
		this.cdc = cdc;
	}

	/**
	 * Open a stream for one browser.
	 * @return the emitter, open until the browser goes away or the application stops
	 */
	public SseEmitter subscribe() {
		SseEmitter browser = new SseEmitter(0L);
		browser.onCompletion(() -> this.browsers.remove(browser));
		browser.onError((ex) -> this.browsers.remove(browser));
		List<LiveChange> backlog;
		synchronized (this.recent) {
			backlog = new ArrayList<>(this.recent);
		}
		this.sender.execute(() -> {
			for (LiveChange change : backlog) {
				send(browser, "change", change);
			}
			this.browsers.add(browser);
		});
		return browser;
	}

	@EventListener
	public void on(ChangeEvent event) {
		show(LiveChange.of(event));
	}

	/**
	 * Outbox events (order.placed) are shown in the feed too, as the @OutboxListener receives them.
	 * @param event the outbox event
	 */
	@EventListener
	public void on(OutboxEvent event) {
		show(LiveChange.of(event));
	}

	private void show(LiveChange change) {
		synchronized (this.recent) {
			this.recent.addLast(change);
			if (this.recent.size() > RECENT) {
				this.recent.removeFirst();
			}
		}
		this.sender.execute(() -> broadcast("change", change));
	}

	@Scheduled(fixedRate = 1000)
	public void status() {
		CdcEndpoint endpoint = this.cdc.getIfAvailable();
		if (endpoint == null || this.browsers.isEmpty()) {
			return;
		}
		LiveStatus status = status(endpoint.cdc());
		this.sender.execute(() -> broadcast("status", status));
	}

	private synchronized LiveStatus status(CdcDescriptor cdc) {
		long now = System.nanoTime();
		long events = cdc.events().total();
		double perSecond = (this.lastEvents < 0) ? 0
				: (events - this.lastEvents) * 1e9 / Math.max(1, now - this.lastNanos);
		this.lastEvents = events;
		this.lastNanos = now;
		return new LiveStatus(cdc.state().name(), cdc.paused(), cdc.lagBytes(), events, perSecond);
	}

	private void broadcast(String name, Object data) {
		for (SseEmitter browser : this.browsers) {
			send(browser, name, data);
		}
	}

	private void send(SseEmitter browser, String name, Object data) {
		try {
			browser.send(SseEmitter.event().name(name).data(data, MediaType.APPLICATION_JSON));
		}
		catch (IOException | IllegalStateException ex) {
			// the browser went away
			this.browsers.remove(browser);
		}
	}

	/**
	 * Close the streams before the web server shuts down gracefully, which would otherwise wait for them.
	 */
	@EventListener(ContextClosedEvent.class)
	public void close() {
		this.sender.shutdownNow();
		this.browsers.forEach(SseEmitter::complete);
		this.browsers.clear();
	}

}
