/**
 * The RabbitMQ sink: committed changes and outbox events published to a topic exchange with publisher
 * confirms, on Spring AMQP's {@code ConnectionFactory}.
 */
package dev.pgcdc.rabbit;
