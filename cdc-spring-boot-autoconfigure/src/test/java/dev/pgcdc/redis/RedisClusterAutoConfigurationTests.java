package dev.pgcdc.redis;

import java.time.Duration;
import java.util.stream.Collectors;

import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.autoconfigure.CdcRedisAutoConfiguration;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Redis Cluster condition of the auto-configuration: with {@code spring.data.redis.cluster.nodes} the
 * sinks the properties describe write slot by slot to a real three-master cluster, and an exactly-once fence
 * key with a hash tag of its own fails start-up naming the property.
 */
class RedisClusterAutoConfigurationTests {

	@RegisterExtension
	static final RedisClusterSupport cluster = new RedisClusterSupport();

	private static TestDatabase database;

	@BeforeAll
	static void createDatabase() {
		database = EmbeddedPostgresSupport.createDatabase("redis_cluster_autoconfig");
		database.execute("CREATE TABLE products (id int PRIMARY KEY, name text)");
	}

	private ApplicationContextRunner runner(String slot) {
		String nodes = cluster.ports().stream().map((port) -> "127.0.0.1:" + port).collect(Collectors.joining(","));
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, DataRedisAutoConfiguration.class,
					CdcAutoConfiguration.class, CdcRedisAutoConfiguration.class))
			.withPropertyValues(database.cdcProperties(slot))
			.withPropertyValues("spring.data.redis.cluster.nodes=" + nodes, "cdc.publication.tables=products",
					"cdc.status-interval=1s", "cdc.application-events.enabled=false");
	}

	@Test
	void clusterNodesMakeTheSinksWriteToTheCluster() {
		cluster.flushAll();
		runner("redis_cluster_mapped")
			.withPropertyValues("cdc.redis.write.exactly-once=true",
					"cdc.redis.mappings.products.insert[0]=HSET product:{id} name {name}",
					"cdc.redis.mappings.products.insert[1]=SADD product-ids {id}")
			.run((context) -> {
				assertThat(context).hasNotFailed().hasSingleBean(RedisSink.class);
				await().atMost(Duration.ofSeconds(20))
					.until(() -> context.getBean(ReplicationEngine.class).state() == EngineState.STREAMING);
				database.execute("INSERT INTO products SELECT g, 'item ' || g FROM generate_series(1, 50) g");
				try (StatefulRedisClusterConnection<String, String> connection = cluster.client().connect()) {
					RedisAdvancedClusterCommands<String, String> redis = connection.sync();
					await().atMost(Duration.ofSeconds(20)).until(() -> redis.scard("product-ids") == 50);
					for (int id = 1; id <= 50; id++) {
						assertThat(redis.hget("product:" + id, "name")).isEqualTo("item " + id);
					}
				}
				database.execute("DELETE FROM products");
			});
	}

	@Test
	void aFenceKeyWithAHashTagOfItsOwnFailsStartup() {
		runner("redis_cluster_fence")
			.withPropertyValues("cdc.redis.write.exactly-once=true", "cdc.redis.write.fence-key=cdc:{fence}:{slot}",
					"cdc.redis.mappings.products.insert[0]=SADD product-ids {id}")
			.run((context) -> {
				assertThat(context).hasFailed();
				StringBuilder chain = new StringBuilder();
				for (Throwable cause = context.getStartupFailure(); cause != null; cause = cause.getCause()) {
					chain.append(cause.getMessage()).append('\n');
				}
				assertThat(chain.toString()).contains("cdc.redis.write.fence-key", "remove the braces");
			});
	}

}
