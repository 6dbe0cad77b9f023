-- The shop: the tables pgcdc captures (see cdc.publication.tables in application.yml).
CREATE TABLE IF NOT EXISTS customers (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL,
    email      text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS products (
    id     bigserial PRIMARY KEY,
    name   text NOT NULL,
    price  numeric(12, 2) NOT NULL CHECK (price >= 0),
    stock  integer NOT NULL CHECK (stock >= 0),
    active boolean NOT NULL DEFAULT true
);

CREATE TABLE IF NOT EXISTS orders (
    id          bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    status      text NOT NULL,
    total       numeric(12, 2) NOT NULL,
    placed_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS order_items (
    id         bigserial PRIMARY KEY,
    order_id   bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id bigint NOT NULL REFERENCES products (id),
    quantity   integer NOT NULL CHECK (quantity > 0),
    price      numeric(12, 2) NOT NULL
);

-- Written by the listeners, not captured (a listener writing to a table it listens to would loop).
-- The unique keys make the listeners idempotent: a transaction delivered again after a crash adds nothing.
CREATE TABLE IF NOT EXISTS welcome_email (
    customer_id bigint PRIMARY KEY,
    address     text NOT NULL,
    subject     text NOT NULL,
    body        text NOT NULL,
    sent_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS audit_log (
    id           bigserial PRIMARY KEY,
    table_name   text NOT NULL,
    operation    text NOT NULL,
    row_id       bigint,
    data         jsonb,
    change_lsn   text NOT NULL,
    committed_at timestamptz,
    UNIQUE (change_lsn, table_name, row_id)
);

-- Written by the order.placed @OutboxListener; the outbox (cdc_outbox) and inbox (cdc_inbox) tables are
-- created by pgcdc.
CREATE TABLE IF NOT EXISTS order_confirmation (
    event_id     uuid PRIMARY KEY,
    order_id     bigint NOT NULL,
    customer_id  bigint NOT NULL,
    total        numeric(12, 2) NOT NULL,
    confirmed_at timestamptz NOT NULL DEFAULT now()
);

-- A small catalogue, added once.
INSERT INTO products (name, price, stock, active)
SELECT name, price, 100, true
FROM (VALUES ('Espresso beans 1 kg', 24.90), ('Pour-over kettle', 49.00), ('Ceramic dripper', 19.50),
             ('Paper filters (100)', 4.20), ('Hand grinder', 89.00), ('Milk jug', 14.90)) AS catalogue (name, price)
WHERE NOT EXISTS (SELECT 1 FROM products);
