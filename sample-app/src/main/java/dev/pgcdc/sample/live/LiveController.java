package dev.pgcdc.sample.live;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * {@code GET /live}: the live page's stream of changes and status, as server-sent events.
 *
 * @author pgcdc
 */
@RestController
public class LiveController {

	private final LiveFeed feed;

	public LiveController(LiveFeed feed) {
		this.feed = feed;
	}

	@GetMapping(path = "/live", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	public SseEmitter live() {
		return this.feed.subscribe();
	}

}
