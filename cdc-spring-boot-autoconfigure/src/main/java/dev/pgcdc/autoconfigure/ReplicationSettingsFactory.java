package dev.pgcdc.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import dev.pgcdc.event.TableId;
import dev.pgcdc.replication.ConnectionSettings;
import dev.pgcdc.replication.ReplicationSettings;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.util.unit.DataSize;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.util.StringUtils;

/**
 * Turns {@link CdcProperties} into engine settings, checking each value so that a bad one fails
 * start-up with a message that names the property and the fix.
 */
final class ReplicationSettingsFactory {

	private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");

	private static final Pattern PUBLICATION_NAME = Pattern.compile("[A-Za-z0-9_]{1,63}");

	private ReplicationSettingsFactory() {
	}

	/**
	 * Build the settings.
	 * @param captureOutboxTable whether the outbox writes to its table, which a managed publication with a
	 * table list must then include
	 */
	static ReplicationSettings create(CdcProperties properties, JdbcConnectionDetails datasource,
			DataSourceProperties datasourceProperties, boolean captureOutboxTable) {
		if (datasource == null && datasourceProperties != null && StringUtils.hasText(datasourceProperties.getUrl())) {
			// Boot offers connection details only for the DataSource it builds itself; an application with a
			// DataSource of its own still has spring.datasource.* bound
			datasource = new PropertiesConnectionDetails(datasourceProperties);
		}
		CdcProperties.Connection connection = properties.getConnection();
		String url = StringUtils.hasText(connection.getUrl()) ? connection.getUrl()
				: (datasource != null) ? datasource.getJdbcUrl() : null;
		if (!StringUtils.hasText(url)) {
			throw new InvalidConfigurationPropertyValueException("cdc.connection.url", null,
					"No database to capture. Set cdc.connection.url or spring.datasource.url to a "
							+ "jdbc:postgresql:// URL.");
		}
		if (!url.startsWith("jdbc:postgresql:")) {
			throw new InvalidConfigurationPropertyValueException("cdc.connection.url", maskPassword(url),
					"Change data capture needs PostgreSQL: use a jdbc:postgresql:// URL.");
		}
		String username = StringUtils.hasText(connection.getUsername()) ? connection.getUsername()
				: (datasource != null) ? datasource.getUsername() : null;
		String password = (connection.getPassword() != null) ? connection.getPassword()
				: (datasource != null) ? datasource.getPassword() : null;
		String slot = properties.getSlot().getName();
		if (slot == null || !SLOT_NAME.matcher(slot).matches()) {
			throw new InvalidConfigurationPropertyValueException("cdc.slot.name", slot,
					"Replication slot names are 1 to 63 lower-case letters, digits and underscores, for example 'orders_cdc'.");
		}
		String publication = properties.getPublication().getName();
		if (publication == null || !PUBLICATION_NAME.matcher(publication).matches()) {
			throw new InvalidConfigurationPropertyValueException("cdc.publication.name", publication,
					"Publication names are 1 to 63 letters, digits and underscores, for example 'cdc'.");
		}
		for (String table : properties.getPublication().getTables()) {
			if (!StringUtils.hasText(table) || TableId.parse(table).name().isEmpty()
					|| TableId.parse(table).schema().isEmpty()) {
				throw new InvalidConfigurationPropertyValueException("cdc.publication.tables", table,
						"List tables as 'schema.table' or a bare table name (schema public).");
			}
		}
		if (properties.getSnapshot().getMode() == null) {
			throw new InvalidConfigurationPropertyValueException("cdc.snapshot.mode", null,
					"Use never, initial or initial-only.");
		}
		if (properties.getSnapshot().getFetchSize() < 1) {
			throw new InvalidConfigurationPropertyValueException("cdc.snapshot.fetch-size",
					properties.getSnapshot().getFetchSize(), "Fetch at least 1 row per round trip; the default is 10000.");
		}
		requirePositive("cdc.status-interval", properties.getStatusInterval());
		requireNotNegative("cdc.heartbeat.interval", properties.getHeartbeat().getInterval());
		requirePositive("cdc.reconnect.initial-interval", properties.getReconnect().getInitialInterval());
		requirePositive("cdc.reconnect.max-interval", properties.getReconnect().getMaxInterval());
		if (properties.getQueue().getCapacity() < 1) {
			throw new InvalidConfigurationPropertyValueException("cdc.queue.capacity", properties.getQueue().getCapacity(),
					"The queue needs room for at least one event; the default is 8192.");
		}
		if (properties.getQueue().getMaxBytes() == null || properties.getQueue().getMaxBytes().toBytes() < 1024) {
			throw new InvalidConfigurationPropertyValueException("cdc.queue.max-bytes", properties.getQueue().getMaxBytes(),
					"Allow at least 1KB of queued WAL data; the default is 64MB.");
		}
		DataSize memory = properties.getMemory().getMaxBytes();
		if (memory != null && memory.toBytes() < 1024 * 1024) {
			throw new InvalidConfigurationPropertyValueException("cdc.memory.max-bytes", memory,
					"Allow at least 1MB for buffered changes; unset, it is a quarter of the heap.");
		}
		return ReplicationSettings.builder(new ConnectionSettings(url, username, password), slot, publication)
			.createSlot(properties.getSlot().isCreate())
			.temporarySlot(properties.getSlot().isTemporary())
			.failoverSlot(properties.getSlot().isFailover())
			.streamInProgress(properties.getSlot().isStreaming())
			.createPublication(properties.getPublication().isCreate())
			.tables(tables(properties, captureOutboxTable))
			.statusInterval(properties.getStatusInterval())
			.heartbeatInterval(properties.getHeartbeat().getInterval())
			.reconnect(properties.getReconnect().getInitialInterval(), properties.getReconnect().getMaxInterval())
			.queue(properties.getQueue().getCapacity(), properties.getQueue().getMaxBytes().toBytes())
			.memory((memory != null) ? memory.toBytes() : 0, properties.getMemory().getSpillDirectory())
			.snapshot(properties.getSnapshot().getMode(), properties.getSnapshot().getFetchSize())
			.internalTables(List.of(properties.getListener().getDeadLetterTable(), properties.getOutbox().getInboxTable()))
			.optInTables(List.of(properties.getOutbox().getTable()))
			.origin(properties.getOrigin())
			.build();
	}

	private static List<String> tables(CdcProperties properties, boolean captureOutboxTable) {
		List<String> tables = properties.getPublication().getTables();
		if (!captureOutboxTable || tables.isEmpty() || !properties.getPublication().isCreate()) {
			return tables;
		}
		TableId outbox = TableId.parse(properties.getOutbox().getTable());
		if (tables.stream().map(TableId::parse).anyMatch(outbox::equals)) {
			return tables;
		}
		List<String> withOutbox = new ArrayList<>(tables);
		withOutbox.add(outbox.toString());
		return withOutbox;
	}

	private static void requirePositive(String name, Duration value) {
		if (value == null || value.isZero() || value.isNegative()) {
			throw new InvalidConfigurationPropertyValueException(name, value, "Use a positive duration such as 10s.");
		}
	}

	private static void requireNotNegative(String name, Duration value) {
		if (value == null || value.isNegative()) {
			throw new InvalidConfigurationPropertyValueException(name, value,
					"Use a positive duration such as 1m, or 0 to turn it off.");
		}
	}

	private static String maskPassword(String url) {
		return new ConnectionSettings(url, null, null).safeUrl();
	}

	/** spring.datasource.* as connection details, for applications that define their own DataSource. */
	private record PropertiesConnectionDetails(DataSourceProperties properties) implements JdbcConnectionDetails {

		@Override
		public String getUsername() {
			return this.properties.getUsername();
		}

		@Override
		public String getPassword() {
			return this.properties.getPassword();
		}

		@Override
		public String getJdbcUrl() {
			return this.properties.getUrl();
		}

	}

}
