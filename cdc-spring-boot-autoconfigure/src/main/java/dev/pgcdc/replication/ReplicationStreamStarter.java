package dev.pgcdc.replication;

import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

import dev.pgcdc.event.Lsn;
import org.postgresql.PGConnection;
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
	 * Return the protocol version to ask for: 2 when large transactions may be streamed while they run, so
	 * that they reach consumers sooner at their commit and spare the server's spill files (every server
	 * pgcdc accepts, 14 and later, has it); 1 otherwise.
	 */
	static int protoVersion(ReplicationSettings settings) {
		return settings.streamInProgress() ? 2 : 1;
	}

	/** Start streaming after {@code from}, or from the slot's confirmed position if it is not valid. */
	static PGReplicationStream start(PGConnection connection, ReplicationSettings settings, Lsn from)
			throws SQLException {
		int protoVersion = protoVersion(settings);
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
