-- Dead letters carry what contracts' DeadLetter carries: which consumer gave up, and the message type
-- when the entry had a readable one.

-- Up Migration
ALTER TABLE dead_letters ADD COLUMN consumer text NOT NULL DEFAULT '';
ALTER TABLE dead_letters ALTER COLUMN consumer DROP DEFAULT;
ALTER TABLE dead_letters ADD COLUMN message_type text;

-- Down Migration
ALTER TABLE dead_letters DROP COLUMN message_type;
ALTER TABLE dead_letters DROP COLUMN consumer;
