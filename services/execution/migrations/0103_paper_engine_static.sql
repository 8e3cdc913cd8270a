-- The paper engine's configuration and instruments (set when the venue starts) move out of the document
-- saved on every paper venue call into a row of their own, written only when they change; and
-- paper_books' row is kept inline uncompressed up to a full page, so a save stores its bytes instead of
-- compressing them again each time (the compression was the heaviest step PostgreSQL took per order).

-- Up Migration

CREATE TABLE paper_engine_static (
  id smallint PRIMARY KEY CHECK (id = 1),
  body jsonb NOT NULL,
  updated_at_ms bigint NOT NULL
);
INSERT INTO paper_engine_static (id, body, updated_at_ms)
SELECT 1, jsonb_build_object('config', books->'engine'->'config', 'instruments', books->'engine'->'instruments'), updated_at_ms
  FROM paper_books WHERE id = 1;
UPDATE paper_books SET books = jsonb_set(books, '{engine}', (books->'engine') - 'config' - 'instruments');
ALTER TABLE paper_books SET (toast_tuple_target = 8160);

-- Down Migration

ALTER TABLE paper_books RESET (toast_tuple_target);
UPDATE paper_books SET books = jsonb_set(books, '{engine}', (books->'engine') || (SELECT body FROM paper_engine_static WHERE id = 1))
 WHERE EXISTS (SELECT 1 FROM paper_engine_static WHERE id = 1);
DROP TABLE paper_engine_static;
