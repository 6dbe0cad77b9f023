package dev.pgcdc.autoconfigure;

import dev.pgcdc.replication.ReplicationSetupException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a start-up failure caused by a database that is not ready for change data capture.
 */
class ReplicationSetupFailureAnalyzer extends AbstractFailureAnalyzer<ReplicationSetupException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, ReplicationSetupException cause) {
		return new FailureAnalysis("Change data capture could not start: " + cause.getMessage(),
				"Fix the database or the cdc.* configuration as described above, or set cdc.enabled=false to start "
						+ "without change data capture.",
				cause);
	}

}
