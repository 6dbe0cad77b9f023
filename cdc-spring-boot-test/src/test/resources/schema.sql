CREATE TABLE IF NOT EXISTS customers (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name text NOT NULL,
	email text
);
CREATE TABLE IF NOT EXISTS welcome_email (
	customer_id bigint NOT NULL,
	address text NOT NULL
);
