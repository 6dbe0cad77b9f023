package dev.pgcdc.sample.shop;

import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

/**
 * A request the shop refuses, with the HTTP status that says why.
 *
 * @author pgcdc
 */
public class ShopException extends ResponseStatusException {

	ShopException(HttpStatus status, String reason) {
		super(status, reason);
	}

	static ShopException notFound(String what, long id) {
		return new ShopException(HttpStatus.NOT_FOUND, what + " " + id + " does not exist");
	}

	static ShopException badRequest(String reason) {
		return new ShopException(HttpStatus.BAD_REQUEST, reason);
	}

	static ShopException conflict(String reason) {
		return new ShopException(HttpStatus.CONFLICT, reason);
	}

}
