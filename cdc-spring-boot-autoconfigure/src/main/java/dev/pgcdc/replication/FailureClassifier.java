package dev.pgcdc.replication;

import java.sql.SQLException;

/**
 * Decides what a failure of the replication stream (or of the snapshot read on its connection) means for
 * capture, from its SQLSTATE only: the server's message text depends on {@code lc_messages}, so a decision
 * taken from it would change with the server's language.
 *
 * <ul>
 * <li>{@link Kind#SLOT_IN_USE}: {@code 55006}, another instance streams from the slot; stand by.
 * <li>{@link Kind#PERMANENT}: the same attempt fails the same way until a person acts (a privilege, a
 * dropped object, a value the server cannot convert, a login refused, a database gone, an unsupported
 * feature); capture stops with a message naming the fix.
 * <li>{@link Kind#PERMANENT_IF_REPEATED}: {@code 55000}, see below, and {@code 42P01} (undefined table),
 * which a table dropped while a snapshot starts causes once.
 * <li>{@link Kind#TRANSIENT}: everything else, above all connection loss ({@code 08}), shutdown and crash
 * ({@code 57P01}-{@code 57P03}), resources ({@code 53}), serialization and deadlock ({@code 40}), and
 * errors without a SQLSTATE (I/O); retried with back-off, as an unknown code is too: a retry that was not
 * needed costs a log line, a stop that was not needed costs an outage.
 * </ul>
 *
 * <p>{@code 55000} (object not in prerequisite state) is what PostgreSQL reports for an invalidated slot
 * ("can no longer get changes from replication slot", "This slot has been invalidated because ..."), but
 * also for a physical slot or one of another database, a synchronized slot on a standby, a
 * {@code wal_level} below {@code logical}, all of which need a person, and for a walsender that received a
 * command while stopping for a server shutdown, which does not. Only the message text tells them apart, so
 * {@code 55000} counts as permanent once it repeats on the next attempt: a shutdown race does not repeat
 * (the next attempt finds the server gone or back), an invalidated slot does.
 *
 * @author pgcdc
 */
final class FailureClassifier {

	/** What a failure means for capture. */
	enum Kind {

		/** Another instance holds the slot: stand by and try again. */
		SLOT_IN_USE,

		/** Retrying cannot help: stop with the explanation. */
		PERMANENT,

		/** Permanent if the next attempt fails with the same SQLSTATE; retried once first. */
		PERMANENT_IF_REPEATED,

		/** Retry with back-off. */
		TRANSIENT

	}

	/**
	 * A classified failure.
	 * @param kind what it means for capture
	 * @param sqlState the SQLSTATE found in the exception or its causes, or {@code null}
	 * @param message the server's message followed, for a permanent failure, by what happened and how to fix
	 * it
	 */
	record Failure(Kind kind, String sqlState, String message) {

		boolean isPermanent() {
			return this.kind == Kind.PERMANENT || this.kind == Kind.PERMANENT_IF_REPEATED;
		}

	}

	private final String slot;

	private final String publication;

	private final String user;

	FailureClassifier(ReplicationSettings settings) {
		this.slot = settings.slotName();
		this.publication = settings.publicationName();
		this.user = settings.connection().username();
	}

	Failure classify(Throwable failure) {
		String sqlState = sqlState(failure);
		String message = String.valueOf(failure.getMessage());
		if (sqlState == null) {
			return new Failure(Kind.TRANSIENT, null, message);
		}
		if (sqlState.equals("55006")) {
			return new Failure(Kind.SLOT_IN_USE, sqlState, message);
		}
		if (sqlState.equals("55000")) {
			return new Failure(Kind.PERMANENT_IF_REPEATED, sqlState, message + slotUnusable());
		}
		if (sqlState.equals("42P01")) {
			// a table dropped between the snapshot's listing of the published tables and its read of that table
			// is gone from the list on the next attempt
			return new Failure(Kind.PERMANENT_IF_REPEATED, sqlState, message + ". A table capture reads does not "
					+ "exist (dropped or renamed?). Check cdc.publication.tables and the publication '" + this.publication
					+ "', then restart.");
		}
		if (sqlState.equals("42710")) {
			// a slot another instance created at the same time: it holds the slot, and this one stands by once it
			// finds the slot in use
			return new Failure(Kind.TRANSIENT, sqlState, message);
		}
		String explanation = permanentExplanation(sqlState);
		return (explanation != null) ? new Failure(Kind.PERMANENT, sqlState, message + explanation)
				: new Failure(Kind.TRANSIENT, sqlState, message);
	}

	/** Why retrying cannot help and what to do, or {@code null} for a code worth retrying. */
	private String permanentExplanation(String sqlState) {
		switch (sqlState) {
			case "42501":
				return ". The role '" + this.user + "' lacks a privilege capture needs: REPLICATION (ALTER ROLE "
						+ this.user + " REPLICATION, or membership of rds_replication on Amazon RDS) to stream, and "
						+ "SELECT on every captured table (GRANT SELECT ON ... TO " + this.user + ") to read a snapshot. "
						+ "Grant it and restart.";
			case "42704":
				// the slot or the publication vanished: streaming on would skip or invent data
				return ". The replication slot or publication was dropped while streaming; changes "
						+ "since then cannot be recovered from this slot. Recreate them and reload with cdc.snapshot.mode=initial.";
			case "22021", "22P05":
				// the server fails this change on every attempt: reconnecting for ever would look healthy while the
				// slot stood still
				return ". PostgreSQL cannot convert a captured value to UTF-8 (a database with encoding "
						+ "SQL_ASCII accepts bytes that are not valid UTF-8), so the stream can never pass this change. Fix the "
						+ "value and recreate the slot with cdc.snapshot.mode=initial, or, accepting the loss of that transaction, "
						+ "move the slot past it with pg_replication_slot_advance('" + this.slot + "', ...).";
			case "3D000", "57P04":
				return ". The database in cdc.connection.url (or spring.datasource.url) does not exist (any more). "
						+ "Check the URL, or recreate the database and reload with cdc.snapshot.mode=initial.";
			case "0A000":
				return ". This PostgreSQL server does not support a feature capture uses (logical replication with "
						+ "pgoutput needs PostgreSQL 10 or later, some options later versions). Upgrade the server or "
						+ "turn the feature off.";
			case "58P01":
				return ". The server no longer has a file the slot needs (WAL removed before it was read?); the changes "
						+ "in it are lost. Drop the slot (SELECT pg_drop_replication_slot('" + this.slot + "')) and reload "
						+ "with cdc.snapshot.mode=initial.";
			default:
				break;
		}
		if (sqlState.startsWith("28")) {
			return ". PostgreSQL refused the login of '" + this.user + "'. Check cdc.connection.username and password "
					+ "(or spring.datasource.*) and that pg_hba.conf lets this user connect to the database for "
					+ "replication (a logical replication connection matches the database name, not 'replication').";
		}
		if (sqlState.startsWith("42")) {
			return ". PostgreSQL refuses a statement of capture as invalid here; retrying cannot change that. Check "
					+ "the server version and the cdc.* configuration.";
		}
		return null;
	}

	private String slotUnusable() {
		return ". PostgreSQL will not stream from replication slot '" + this.slot + "' in its current state. If it "
				+ "was invalidated (it removed WAL the slot still needed, see max_slot_wal_keep_size, or the slot "
				+ "conflicted with recovery on a standby), the changes made since the last confirmed position are lost: "
				+ "drop the slot (SELECT pg_drop_replication_slot('" + this.slot + "')) and start with "
				+ "cdc.snapshot.mode=initial to reload the tables. Otherwise check that wal_level is logical, that the "
				+ "slot is a logical slot of this database, and that the URL points at the primary (a synchronized "
				+ "slot on a standby cannot be read).";
	}

	/** The first SQLSTATE in the exception and its causes: a wrapped server error still counts. */
	static String sqlState(Throwable failure) {
		for (Throwable current = failure; current != null; current = current.getCause()) {
			if (current instanceof SQLException sql && sql.getSQLState() != null) {
				return sql.getSQLState();
			}
			if (current.getCause() == current) {
				break;
			}
		}
		return null;
	}

}
