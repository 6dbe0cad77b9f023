package dev.pgcdc.autoconfigure;

import java.time.Duration;
import java.util.regex.Pattern;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Checks {@code cdc.listener.*} and {@code cdc.outbox.*}, failing start-up with the property and the fix.
 */
final class ListenerPropertiesValidator {

	private static final Pattern TABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

	private ListenerPropertiesValidator() {
	}

	static void validate(CdcListenerProperties listener) {
		CdcListenerProperties.Retry retry = listener.getRetry();
		if (retry.getMaxAttempts() < 1) {
			throw new InvalidConfigurationPropertyValueException("cdc.listener.retry.max-attempts", retry.getMaxAttempts(),
					"Use 1 (no retry) or more.");
		}
		requirePositive("cdc.listener.retry.initial-interval", retry.getInitialInterval());
		requirePositive("cdc.listener.retry.max-interval", retry.getMaxInterval());
		if (retry.getMultiplier() < 1.0) {
			throw new InvalidConfigurationPropertyValueException("cdc.listener.retry.multiplier", retry.getMultiplier(),
					"Use 1.0 (a fixed wait) or more.");
		}
		if (listener.getFailurePolicy() == null) {
			throw new InvalidConfigurationPropertyValueException("cdc.listener.failure-policy", null,
					"Use dead-letter, stop or skip.");
		}
		requireTable("cdc.listener.dead-letter-table", listener.getDeadLetterTable(), "cdc_dead_letter");
	}

	static void validate(CdcOutboxProperties outbox) {
		if (outbox.getMode() == null) {
			throw new InvalidConfigurationPropertyValueException("cdc.outbox.mode", null, "Use table or message.");
		}
		requireTable("cdc.outbox.table", outbox.getTable(), "cdc_outbox");
		requireTable("cdc.outbox.inbox-table", outbox.getInboxTable(), "cdc_inbox");
		if (outbox.getRetention() == null || outbox.getRetention().isNegative()) {
			throw new InvalidConfigurationPropertyValueException("cdc.outbox.retention", outbox.getRetention(),
					"Use a duration such as 7d, or 0 to keep outbox rows forever.");
		}
		requirePositive("cdc.outbox.prune-interval", outbox.getPruneInterval());
		if (outbox.getPruneBatchSize() < 1) {
			throw new InvalidConfigurationPropertyValueException("cdc.outbox.prune-batch-size",
					outbox.getPruneBatchSize(), "Use 1 or more; the default is 10000.");
		}
	}

	private static void requireTable(String name, String table, String example) {
		if (table == null || !TABLE.matcher(table).matches()) {
			throw new InvalidConfigurationPropertyValueException(name, table,
					"Use a table name such as " + example + " or myschema." + example + ".");
		}
	}

	private static void requirePositive(String name, Duration value) {
		if (value == null || value.isZero() || value.isNegative()) {
			throw new InvalidConfigurationPropertyValueException(name, value, "Use a positive duration such as 200ms.");
		}
	}

}
