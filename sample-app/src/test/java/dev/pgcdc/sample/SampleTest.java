package dev.pgcdc.sample;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

/**
 * The sample as a user starts it (embedded PostgreSQL and Redis, demo traffic on, faster), on a random
 * port. Every sample test class uses exactly this, so they share one application context and one slot.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = { "shop.traffic.interval=300ms",
		"cdc.slot.name=sample_test", "cdc.publication.name=sample_test" })
@interface SampleTest {

}
