package dev.pgcdc.redis;

import java.util.List;

/**
 * What Redis answered to one transaction's EXEC.
 *
 * @param blockError the error of the whole block ({@code EXECABORT} when a command was refused while
 * queued, nothing of the block ran), or {@code null}
 * @param queueErrors the errors Redis gave while queuing (the reason for an {@code EXECABORT})
 * @param failures the commands that failed when the block ran (the others ran: Redis does not roll back)
 * @param discarded whether Redis ran nothing because the watched fence key changed after {@code WATCH}: the
 * guard found the block at or below the fence, or another writer moved the fence in between
 * @param fence the fence the guard read before the block ({@code null}: no fence yet, or not fenced)
 * @param guardError the error of the {@code WATCH} or of the guard script, {@code null} if none
 * @author pgcdc
 */
record ExecReply(String blockError, List<String> queueErrors, List<Failure> failures, boolean discarded, String fence,
		String guardError) {

	boolean succeeded() {
		return this.blockError == null && this.failures.isEmpty() && !this.discarded;
	}

	/**
	 * Return the first error, the one that decides how the failure is handled.
	 * @return the error text, {@code null} if the block succeeded
	 */
	String firstError() {
		if (!this.queueErrors.isEmpty()) {
			return this.queueErrors.get(0);
		}
		if (this.blockError != null) {
			return this.blockError;
		}
		return this.failures.isEmpty() ? null : this.failures.get(0).error();
	}

	/**
	 * A command that failed inside EXEC.
	 *
	 * @param index its position in the block
	 * @param error the error reply
	 */
	record Failure(int index, String error) {
	}

}
