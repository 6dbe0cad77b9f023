package dev.pgcdc.redis;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.CommandOutput;

/**
 * How {@link LettuceChannel} reads Redis's replies: the write path keeps only errors (and, for the
 * exactly-once fence, what the guard script saw), never the values, so that replies to a million queued
 * commands cost no memory.
 *
 * @author pgcdc
 */
final class ReplyOutputs {

	private ReplyOutputs() {
	}

	/** Any single reply: a value, or the error as a {@link RedisReplyException}. */
	static final class ReplyOutput extends CommandOutput<byte[], byte[], Object> {

		ReplyOutput() {
			super(ByteArrayCodec.INSTANCE, null);
		}

		@Override
		public void set(ByteBuffer bytes) {
			this.output = (bytes != null) ? this.codec.decodeValue(bytes) : null;
		}

		@Override
		public void set(long integer) {
			this.output = integer;
		}

		@Override
		public void setError(ByteBuffer error) {
			this.output = new RedisReplyException(StandardCharsets.UTF_8.decode(error).toString());
		}

		@Override
		public void setError(String error) {
			this.output = new RedisReplyException(error);
		}

	}

	/** A reply whose values do not matter, only its errors: what the write path reads. */
	abstract static class ErrorsOnlyOutput<T> extends CommandOutput<byte[], byte[], T> {

		ErrorsOnlyOutput() {
			super(ByteArrayCodec.INSTANCE, null);
		}

		@Override
		public void set(ByteBuffer bytes) {
		}

		@Override
		public void set(long integer) {
		}

		@Override
		public void set(double number) {
		}

		@Override
		public void set(boolean value) {
		}

		@Override
		public void setError(ByteBuffer error) {
			setError(StandardCharsets.UTF_8.decode(error).toString());
		}

	}

	/**
	 * The replies to MULTI and the queued commands of one transaction: {@code +OK}, then {@code +QUEUED}
	 * or an error per command; only errors are kept.
	 */
	static final class QueuedReplies extends ErrorsOnlyOutput<Void> {

		private final List<String> errors = new ArrayList<>(0);

		@Override
		public void setError(String error) {
			this.errors.add(error);
		}

		List<String> errors() {
			return this.errors;
		}

	}

	/**
	 * The replies to the {@code WATCH} and the {@link FenceScript guard script} sent before a fenced block:
	 * the fence the guard read (or none), or the error either gave.
	 */
	static final class GuardReplies extends ErrorsOnlyOutput<Void> {

		private String fence;

		private String error;

		/** The output of the WATCH before the script: its {@code +OK} is no fence, only its error counts. */
		ErrorsOnlyOutput<Void> watch() {
			return new ErrorsOnlyOutput<>() {

				@Override
				public void setError(String error) {
					GuardReplies.this.setError(error);
				}

			};
		}

		@Override
		public void set(ByteBuffer bytes) {
			if (bytes != null) {
				this.fence = StandardCharsets.UTF_8.decode(bytes).toString();
			}
		}

		@Override
		public void setError(String error) {
			if (this.error == null) {
				this.error = error;
			}
		}

	}

	/**
	 * The reply to EXEC: per queued command nothing or its error, the error of the whole block, or
	 * nothing at all when a watched key changed (the fence guard makes that happen on purpose).
	 */
	static final class ExecOutput extends ErrorsOnlyOutput<ExecReply> {

		private final QueuedReplies queued;

		private final GuardReplies guard;

		private final List<ExecReply.Failure> failures = new ArrayList<>(0);

		private String abort;

		private boolean inArray;

		private boolean nil;

		private int index;

		ExecOutput(QueuedReplies queued, GuardReplies guard) {
			this.queued = queued;
			this.guard = guard;
		}

		@Override
		public void set(ByteBuffer bytes) {
			if (!this.inArray && bytes == null) {
				this.nil = true;
			}
		}

		@Override
		public void setError(String error) {
			if (!this.inArray) {
				this.abort = error;
			}
			else {
				this.failures.add(new ExecReply.Failure(this.index, error));
			}
		}

		@Override
		public void multi(int count) {
			if (count < 0) {
				this.nil = true;
			}
			else if (!this.inArray) {
				this.inArray = true;
				this.index = 0;
			}
		}

		@Override
		public void complete(int depth) {
			if (depth == 1) {
				this.index++;
			}
		}

		@Override
		public ExecReply get() {
			String blockError = this.abort;
			if (blockError == null && this.failures.isEmpty() && !this.queued.errors().isEmpty()) {
				blockError = "EXECABORT";
			}
			// a null array: Redis discarded the block because a watched key changed since WATCH
			boolean discarded = blockError == null && (this.nil || !this.inArray);
			return new ExecReply(blockError, this.queued.errors(), this.failures, discarded,
					(this.guard != null) ? this.guard.fence : null, (this.guard != null) ? this.guard.error : null);
		}

	}

}
