package dev.pgcdc.sample.shop;

import java.time.OffsetDateTime;

/**
 * A customer, as stored in {@code customers} and as pgcdc maps a captured row (snake_case columns to
 * components).
 *
 * @param id the id
 * @param name the name
 * @param email the e-mail address
 * @param createdAt when the customer signed up
 * @author pgcdc
 */
public record Customer(long id, String name, String email, OffsetDateTime createdAt) {

}
