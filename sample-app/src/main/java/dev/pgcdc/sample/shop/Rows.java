package dev.pgcdc.sample.shop;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Reading one row of a shop table by id, the same way for every table: mapped to its record, or a 404.
 *
 * @author pgcdc
 */
final class Rows {

	private Rows() {
	}

	/**
	 * Read a row by id.
	 * @param jdbc the database
	 * @param table the table, one of the shop's own (never user input)
	 * @param type the record its rows map to
	 * @param id the id
	 * @param <T> the record type
	 * @return the row
	 * @throws ShopException (404) if there is no such row
	 */
	static <T> T byId(JdbcClient jdbc, String table, Class<T> type, long id) {
		return jdbc.sql("SELECT * FROM " + table + " WHERE id = ?")
			.param(id)
			.query(type)
			.optional()
			.orElseThrow(() -> ShopException.notFound(type.getSimpleName(), id));
	}

}
