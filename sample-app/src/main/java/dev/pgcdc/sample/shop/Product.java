package dev.pgcdc.sample.shop;

import java.math.BigDecimal;

/**
 * A product of the catalogue, as stored in {@code products}.
 *
 * @param id the id
 * @param name the name
 * @param price the unit price
 * @param stock units in stock
 * @param active whether it can be ordered
 * @author pgcdc
 */
public record Product(long id, String name, BigDecimal price, int stock, boolean active) {

}
