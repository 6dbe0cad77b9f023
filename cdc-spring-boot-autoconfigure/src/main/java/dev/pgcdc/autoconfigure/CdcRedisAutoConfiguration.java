package dev.pgcdc.autoconfigure;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import dev.pgcdc.event.Operation;
import dev.pgcdc.listener.DeadLetters;
import dev.pgcdc.redis.CommandSpec;
import dev.pgcdc.redis.RedisSink;
import dev.pgcdc.redis.RedisSinkFactory;
import dev.pgcdc.redis.RedisSinkMetrics;
import dev.pgcdc.redis.RedisSinkSettings;
import dev.pgcdc.redis.StreamSpec;
import dev.pgcdc.redis.TableMappingSpec;
import dev.pgcdc.replication.ReplicationSettings;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Auto-configuration of the Redis sinks: when Spring Data Redis with Lettuce is present, the application
 * has a {@link RedisConnectionFactory}, and {@code cdc.redis.stream.enabled=true} or a
 * {@code cdc.redis.mappings} entry is set, a {@link RedisSink} joins the engine's consumers.
 *
 * <p>The mappings are checked against the tables while the context starts: a wrong template fails
 * start-up naming the mapping and the fix.
 *
 * @author pgcdc
 */
@AutoConfiguration(after = { CdcAutoConfiguration.class, DataRedisAutoConfiguration.class })
@ConditionalOnClass({ RedisConnectionFactory.class, LettuceConnectionFactory.class })
@ConditionalOnBooleanProperty(name = "cdc.enabled", matchIfMissing = true)
@ConditionalOnBean({ RedisConnectionFactory.class, ReplicationSettings.class })
@Conditional(CdcRedisAutoConfiguration.SinksConfiguredCondition.class)
@EnableConfigurationProperties(CdcRedisProperties.class)
public final class CdcRedisAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	RedisSink cdcRedisSink(CdcRedisProperties properties, ReplicationSettings settings,
			RedisConnectionFactory connectionFactory, ObjectProvider<DataSource> dataSource,
			ObjectProvider<JdbcConnectionDetails> connectionDetails, ObjectProvider<DeadLetters> deadLetters) {
		CdcRedisProperties.Stream stream = properties.getStream();
		StreamSpec streamSpec = stream.isEnabled() ? new StreamSpec(stream.getTables(), stream.getKey(),
				stream.getFormat(), stream.getMaxLength(), stream.getDebeziumMessageFormat(), stream.getDecimalHandling(),
				stream.getTimePrecision(), stream.getBinaryHandling()) : null;
		return RedisSinkFactory.create(settings(properties), streamSpec, mappings(properties), settings,
				CdcAutoConfiguration.ListenerConfiguration.captured(settings, dataSource, connectionDetails),
				connectionFactory, deadLetters::getIfAvailable);
	}

	static RedisSinkSettings settings(CdcRedisProperties properties) {
		CdcRedisProperties.Write write = properties.getWrite();
		CdcRedisProperties.Retry retry = properties.getRetry();
		return new RedisSinkSettings(write.getBatchSize(), write.getFlushInterval(), write.isExactlyOnce(),
				write.getFenceKey(), write.getTimeout(), retry.getInitialInterval(), retry.getMaxInterval(),
				write.getFailurePolicy(), write.getQueueCapacity());
	}

	static List<TableMappingSpec> mappings(CdcRedisProperties properties) {
		List<TableMappingSpec> mappings = new ArrayList<>();
		for (Map.Entry<String, CdcRedisProperties.Mapping> entry : properties.getMappings().entrySet()) {
			CdcRedisProperties.Mapping mapping = entry.getValue();
			Map<Operation, List<CommandSpec>> commands = new EnumMap<>(Operation.class);
			put(commands, Operation.INSERT, mapping.getInsert());
			put(commands, Operation.UPDATE, mapping.getUpdate());
			put(commands, Operation.DELETE, mapping.getDelete());
			put(commands, Operation.SNAPSHOT, mapping.getSnapshot());
			mappings.add(new TableMappingSpec(entry.getKey(), commands));
		}
		return mappings;
	}

	private static void put(Map<Operation, List<CommandSpec>> commands, Operation operation,
			List<CdcRedisProperties.Command> listed) {
		if (listed != null) {
			commands.put(operation, listed.stream()
				.map((command) -> (command != null) ? new CommandSpec(command.getCommand(), command.getCondition()) : null)
				.toList());
		}
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterBinder.class)
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		RedisSinkMetrics cdcRedisSinkMetrics(RedisSink sink) {
			return new RedisSinkMetrics(sink);
		}

	}

	/** Matches when a Redis sink is configured: the stream sink on, or at least one mapping. */
	static final class SinksConfiguredCondition extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			Binder binder = Binder.get(context.getEnvironment());
			if (binder.bind("cdc.redis.stream.enabled", Boolean.class).orElse(false)) {
				return ConditionOutcome.match("cdc.redis.stream.enabled is true");
			}
			Map<String, Object> mappings = binder.bind("cdc.redis.mappings", Bindable.mapOf(String.class, Object.class))
				.orElse(Map.of());
			if (!mappings.isEmpty()) {
				return ConditionOutcome.match("cdc.redis.mappings has " + mappings.size() + " table(s)");
			}
			return ConditionOutcome.noMatch("neither cdc.redis.stream.enabled nor cdc.redis.mappings is set");
		}

	}

}
