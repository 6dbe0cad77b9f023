package dev.pgcdc.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the annotated Spring test against an embedded PostgreSQL with {@code wal_level=logical}: the
 * application's {@code DataSource} and pgcdc both connect to it, whatever {@code spring.datasource.*} says.
 *
 * <p>One server is started per JVM, from PostgreSQL binaries that come from Maven Central as jars (no
 * Docker, nothing installed); each distinct {@link #database()} is created on it once. The connection is
 * given to Spring Boot as a {@code JdbcConnectionDetails} bean, the same way {@code @ServiceConnection}
 * hands over a Testcontainers database, so the application is configured exactly as in production.
 *
 * <pre class="code">
 * &#064;SpringBootTest
 * &#064;EmbeddedCdcDatabase
 * class WelcomeMailerTests {
 *     // ...
 * }
 * </pre>
 *
 * @author pgcdc
 * @see EmbeddedCdcServer
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
public @interface EmbeddedCdcDatabase {

	/**
	 * The database of the embedded server the application uses; created, empty, on first use. Test
	 * classes with the same name share it (and, with the same configuration, a cached application context).
	 * @return the database name
	 */
	String database() default "cdc_test";

}
