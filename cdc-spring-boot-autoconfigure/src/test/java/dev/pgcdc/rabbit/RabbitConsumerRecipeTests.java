package dev.pgcdc.rabbit;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import com.rabbitmq.client.Channel;
import dev.pgcdc.autoconfigure.CdcAutoConfiguration;
import dev.pgcdc.autoconfigure.CdcRabbitAutoConfiguration;
import dev.pgcdc.outbox.Inbox;
import dev.pgcdc.outbox.Outbox;
import dev.pgcdc.replication.EngineState;
import dev.pgcdc.replication.ReplicationEngine;
import dev.pgcdc.test.EmbeddedPostgresSupport;
import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;
import dev.pgcdc.test.EmbeddedRabbitExtension;
import dev.pgcdc.test.EmbeddedRabbitSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageBuilder;
import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.boot.amqp.autoconfigure.RabbitAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The consumer recipe of docs/rabbitmq.md: a {@code @RabbitListener} with manual acknowledgement that drops
 * duplicates by message id through the inbox, in the work's transaction.
 */
@ExtendWith(EmbeddedRabbitExtension.class)
class RabbitConsumerRecipeTests {

	@Test
	void duplicateOutboxMessageRunsTheWorkOnceAndBothAreAcknowledged(EmbeddedRabbitSupport.Node rabbit) {
		TestDatabase database = EmbeddedPostgresSupport.createDatabase("rabbit_recipe");
		database.execute("CREATE TABLE orders (id int PRIMARY KEY)");
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
					DataSourceTransactionManagerAutoConfiguration.class, TransactionAutoConfiguration.class,
					JacksonAutoConfiguration.class, RabbitAutoConfiguration.class, CdcAutoConfiguration.class,
					CdcRabbitAutoConfiguration.class))
			.withPropertyValues(database.cdcProperties("rabbit_recipe"))
			.withPropertyValues("spring.rabbitmq.host=127.0.0.1", "spring.rabbitmq.port=" + rabbit.port(),
					"cdc.publication.tables=orders", "cdc.status-interval=500ms", "cdc.rabbit.enabled=true",
					"cdc.rabbit.declare[0].queue=order-events", "cdc.rabbit.declare[0].bindings=Order.*",
					"cdc.rabbit.declare[0].dead-letter-exchange=cdc.dlx")
			.withUserConfiguration(Recipe.class)
			.run((context) -> {
				await().atMost(Duration.ofSeconds(30))
					.until(() -> context.getBean(ReplicationEngine.class).state() == EngineState.STREAMING);
				WelcomeMails mails = context.getBean(WelcomeMails.class);
				UUID id = context.getBean(TransactionTemplate.class)
					.execute((status) -> context.getBean(Outbox.class)
						.publish("Order", "7", "OrderPlaced", Map.of("id", 7))
						.id());
				await().atMost(Duration.ofSeconds(30)).until(() -> mails.sent().size() == 1);
				// the same message again, as after a crash of the publisher: same message id, nothing sent
				context.getBean(RabbitTemplate.class).send("cdc", "Order.OrderPlaced",
						MessageBuilder.withBody("{\"id\": 7}".getBytes()).setMessageId(id.toString()).build());
				RabbitAdmin admin = new RabbitAdmin(context.getBean(RabbitTemplate.class));
				await().atMost(Duration.ofSeconds(30)).until(() -> mails.acknowledged().size() == 2);
				assertThat(mails.sent()).containsExactly("{\"id\": 7}");
				assertThat(admin.getQueueInfo("order-events").getMessageCount()).isZero();
				assertThat(admin.getQueueInfo("order-events.dlq")).as("the dead-letter queue is declared").isNotNull();
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class Recipe {

		@Bean
		WelcomeMails welcomeMails(Inbox inbox) {
			return new WelcomeMails(inbox);
		}

	}

	static class WelcomeMails {

		final List<String> sent = new CopyOnWriteArrayList<>();

		final List<String> acknowledged = new CopyOnWriteArrayList<>();

		private final Inbox inbox;

		WelcomeMails(Inbox inbox) {
			this.inbox = inbox;
		}

		// read through methods: the bean is a transactional proxy
		public List<String> sent() {
			return this.sent;
		}

		public List<String> acknowledged() {
			return this.acknowledged;
		}

		@RabbitListener(queues = "order-events", ackMode = "MANUAL")
		@Transactional
		public void on(Message message, Channel channel) throws IOException {
			UUID id = UUID.fromString(message.getMessageProperties().getMessageId());
			this.inbox.runOnce("order-mails", id, () -> this.sent.add(new String(message.getBody())));
			channel.basicAck(message.getMessageProperties().getDeliveryTag(), false);
			this.acknowledged.add(id.toString());
		}

	}

}
