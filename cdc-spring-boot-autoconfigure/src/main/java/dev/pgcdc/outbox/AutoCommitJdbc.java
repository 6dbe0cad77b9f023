package dev.pgcdc.outbox;

import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * Runs housekeeping statements (schema creation, pruning) each in its own committed transaction,
 * whatever the pool's auto-commit default: on a pool configured with {@code auto-commit=false}, a plain
 * {@code JdbcTemplate} outside a transaction would have every statement rolled back when the connection
 * goes back to the pool.
 *
 * @author pgcdc
 */
final class AutoCommitJdbc {

	private final DataSource dataSource;

	AutoCommitJdbc(DataSource dataSource) {
		this.dataSource = dataSource;
	}

	<T> T run(java.util.function.Function<JdbcTemplate, T> work) {
		try (Connection connection = this.dataSource.getConnection()) {
			boolean autoCommit = connection.getAutoCommit();
			connection.setAutoCommit(true);
			try {
				return work.apply(new JdbcTemplate(new SingleConnectionDataSource(connection, true)));
			}
			finally {
				connection.setAutoCommit(autoCommit);
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not get a connection for the outbox: " + ex.getMessage(), ex);
		}
	}

}
