package dev.pgcdc.replication;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.event.Lsn;
import org.postgresql.PGConnection;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.ServerVersion;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * Starts the pgoutput stream of a replication connection with the options the settings and the server allow.
 *
 * @author pgcdc
 */
final class ReplicationStreamStarter {

	private ReplicationStreamStarter() {
	}

	/**
	 * Return the protocol version to ask for: 2 when large transactions may be streamed while they run
	 * (PostgreSQL 14 and later), so that they reach consumers sooner at their commit and spare the server's
	 * spill files; 1 otherwise.
	 */
	static int protoVersion(Connection connection, ReplicationSettings settings) throws SQLException {
		boolean streaming = settings.streamInProgress()
				&& connection.unwrap(BaseConnection.class).haveMinimumServerVersion(ServerVersion.v14);
		return streaming ? 2 : 1;
	}

	/** Start streaming after {@code from}, or from the slot's confirmed position if it is not valid. */
	static PGReplicationStream start(PGConnection connection, ReplicationSettings settings, int protoVersion, Lsn from)
			throws SQLException {
		var options = connection.getReplicationAPI()
			.replicationStream()
			.logical()
			.withSlotName(settings.slotName())
			.withStartPosition(LogSequenceNumber.valueOf(from.value()))
			.withSlotOption("proto_version", protoVersion);
		if (protoVersion >= 2) {
			options = options.withSlotOption("streaming", "on");
		}
		return options.withSlotOption("publication_names", ReplicationSetup.quote(settings.publicationName()))
			.withSlotOption("messages", true)
			.withSlotOptions(settings.origin().slotOptions())
			.withStatusInterval((int) Math.max(1, settings.statusInterval().toMillis()), TimeUnit.MILLISECONDS)
			// must stay false: only positions whose changes were handled may be confirmed
			.withAutomaticFlush(false)
			.start();
	}

}
