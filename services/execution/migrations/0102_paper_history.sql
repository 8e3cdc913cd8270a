-- The paper venue's orders and fills as rows, written as they change, instead of inside one document
-- rewritten whole on every change (its cost grew with the history kept). paper_books keeps the
-- matching engine's state and the order sequence.

-- Up Migration

CREATE TABLE paper_orders (
  order_id text PRIMARY KEY,
  client_order_id text,
  symbol text NOT NULL,
  updated_ts_ms bigint NOT NULL,
  body jsonb NOT NULL
);
CREATE INDEX paper_orders_updated_idx ON paper_orders (updated_ts_ms);

CREATE TABLE paper_fills (
  seq bigserial PRIMARY KEY,
  fill_id text NOT NULL UNIQUE,
  ts_ms bigint NOT NULL,
  body jsonb NOT NULL
);

INSERT INTO paper_orders (order_id, client_order_id, symbol, updated_ts_ms, body)
SELECT o.key, o.value->>'clientOrderId', o.value->>'symbol', (o.value->>'updatedTsMs')::bigint, o.value
  FROM paper_books, jsonb_each(coalesce(books->'orders', '{}'::jsonb)) AS o;
INSERT INTO paper_fills (fill_id, ts_ms, body)
SELECT f.value->>'fillId', (f.value->>'tsMs')::bigint, f.value
  FROM paper_books, jsonb_array_elements(coalesce(books->'fills', '[]'::jsonb)) WITH ORDINALITY AS f(value, n)
 ORDER BY f.n;
UPDATE paper_books SET books = books - 'orders' - 'fills';

-- Down Migration

UPDATE paper_books SET books = books
  || jsonb_build_object('orders', coalesce((SELECT jsonb_object_agg(order_id, body) FROM paper_orders), '{}'::jsonb))
  || jsonb_build_object('fills', coalesce((SELECT jsonb_agg(body ORDER BY seq) FROM paper_fills), '[]'::jsonb));
DROP TABLE paper_fills;
DROP TABLE paper_orders;
