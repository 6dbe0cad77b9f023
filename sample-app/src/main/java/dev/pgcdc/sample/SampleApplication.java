package dev.pgcdc.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * A small shop whose every committed change is captured from PostgreSQL's WAL and logged.
 *
 * <p>Without {@code spring.datasource.url} it starts an embedded PostgreSQL, so
 * {@code ./mvnw -pl sample-app -am spring-boot:run} needs nothing installed.
 *
 * @author pgcdc
 */
@SpringBootApplication
@EnableScheduling
public class SampleApplication {

	public static void main(String[] args) {
		SpringApplication.run(SampleApplication.class, args);
	}

}
