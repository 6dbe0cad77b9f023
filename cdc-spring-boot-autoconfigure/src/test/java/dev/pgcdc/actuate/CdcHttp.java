package dev.pgcdc.actuate;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import dev.pgcdc.autoconfigure.CdcActuatorAutoConfiguration;
import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.jackson.JacksonEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementContextAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.servlet.autoconfigure.actuate.web.ServletManagementContextAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.servlet.context.AnnotationConfigServletWebServerApplicationContext;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.ApplicationContext;

/**
 * A real application with the {@code cdc} endpoint on a real HTTP server (Tomcat on a free port), and a
 * plain HTTP client to call it the way an operator's {@code curl} does.
 */
final class CdcHttp {

	private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final String base;

	private CdcHttp(int port) {
		this.base = "http://localhost:" + port;
	}

	/**
	 * Return a runner of a servlet web application with change data capture and the actuator over HTTP.
	 */
	static WebApplicationContextRunner runner() {
		return new WebApplicationContextRunner(AnnotationConfigServletWebServerApplicationContext::new)
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, CdcAutoConfiguration.class,
					CdcActuatorAutoConfiguration.class, JacksonAutoConfiguration.class,
					HttpMessageConvertersAutoConfiguration.class, TomcatServletWebServerAutoConfiguration.class,
					DispatcherServletAutoConfiguration.class, WebMvcAutoConfiguration.class,
					EndpointAutoConfiguration.class, WebEndpointAutoConfiguration.class,
					JacksonEndpointAutoConfiguration.class, ManagementContextAutoConfiguration.class,
					ServletManagementContextAutoConfiguration.class))
			// as SpringApplication does: lenient enum binding, so that access=read-only reads as READ_ONLY
			.withInitializer((context) -> context.getEnvironment().setConversionService(new ApplicationConversionService()))
			.withPropertyValues("server.port=0", "management.endpoints.web.exposure.include=cdc");
	}

	static CdcHttp of(ApplicationContext context) {
		ApplicationContext source = context;
		if (context instanceof org.springframework.boot.test.context.assertj.ApplicationContextAssertProvider<?> provider) {
			source = provider.getSourceApplicationContext();
		}
		return new CdcHttp(((WebServerApplicationContext) source).getWebServer().getPort());
	}

	Response get(String path) throws Exception {
		return send(HttpRequest.newBuilder(URI.create(this.base + path)).GET());
	}

	Response post(String path) throws Exception {
		return send(HttpRequest.newBuilder(URI.create(this.base + path)).POST(HttpRequest.BodyPublishers.noBody()));
	}

	Response delete(String path) throws Exception {
		return send(HttpRequest.newBuilder(URI.create(this.base + path)).DELETE());
	}

	private Response send(HttpRequest.Builder request) throws Exception {
		HttpResponse<String> response = CLIENT.send(request.timeout(Duration.ofSeconds(60)).build(),
				HttpResponse.BodyHandlers.ofString());
		String body = response.body();
		@SuppressWarnings("unchecked")
		Map<String, Object> json = (body != null && body.startsWith("{")) ? JSON.readValue(body, Map.class) : Map.of();
		return new Response(response.statusCode(), json, body);
	}

	/**
	 * An HTTP response.
	 *
	 * @param status the status code
	 * @param json the body as JSON, empty if it is not a JSON object
	 * @param body the body as text
	 */
	record Response(int status, Map<String, Object> json, String body) {

	}

}
