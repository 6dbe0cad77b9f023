package dev.pgcdc.sample.live;

/**
 * The stream's state once a second, for the live page's header and chart.
 *
 * @param state the engine's state ({@code STREAMING}, {@code PAUSED}, ...)
 * @param paused whether delivery is paused
 * @param lagBytes WAL bytes the slot has not confirmed, {@code null} when unknown
 * @param events events delivered since start
 * @param eventsPerSecond events delivered per second since the previous status
 * @author pgcdc
 */
public record LiveStatus(String state, boolean paused, Long lagBytes, long events, double eventsPerSecond) {

}
