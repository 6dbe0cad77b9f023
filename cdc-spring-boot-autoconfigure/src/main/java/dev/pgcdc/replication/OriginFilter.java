package dev.pgcdc.replication;

import java.util.Properties;

/**
 * Which changes the stream carries by their replication origin ({@code cdc.origin}).
 *
 * <p>A change applied by logical replication from another database (a subscription, or any session that
 * called {@code pg_replication_origin_session_setup}) is tagged with that origin. In a two-way setup the
 * changes that arrived from the other side must not be captured again, or they loop. PostgreSQL 16 added
 * the pgoutput option {@code origin} that leaves them out on the server.
 *
 * @author pgcdc
 */
public enum OriginFilter {

	/** Every change, whatever its origin: the server's default and the only choice before PostgreSQL 16. */
	ANY,

	/** Only changes made locally: those applied under a replication origin are not sent (PostgreSQL 16+). */
	NONE;

	/** The first server version ({@code server_version_num}) whose pgoutput knows the {@code origin} option. */
	public static final int MIN_SERVER_VERSION_FOR_NONE = 160000;

	/**
	 * Return the pgoutput options that ask for this filter: none for {@link #ANY}, so that servers older
	 * than 16, which reject the option, still accept the stream.
	 * @return the slot options to add when starting the stream
	 */
	public Properties slotOptions() {
		Properties options = new Properties();
		if (this == NONE) {
			options.setProperty("origin", "none");
		}
		return options;
	}

}
