/**
 * The operations surface of change data capture: the {@code cdc} actuator endpoint, the {@code cdc}
 * health indicator and Micrometer meters, all fed from the engine's counters and one cheap query of the
 * replication slot.
 */
package dev.pgcdc.actuate;
