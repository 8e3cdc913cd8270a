-- The tables behind exactly-once effects, created in each service's own schema (names unqualified:
-- the migration pass sets search_path to that schema and tracks this folder in its own table).

-- Up Migration

-- Messages a service must publish, written in the same transaction as the state change they announce.
CREATE TABLE outbox (
  -- Enqueue order; ids are random, so the relay publishes by this.
  seq bigint GENERATED ALWAYS AS IDENTITY,
  id uuid PRIMARY KEY,
  stream text NOT NULL CHECK (length(stream) BETWEEN 1 AND 200),
  type text NOT NULL,
  envelope jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  -- Publish tries that failed (Redis unreachable) plus the one that succeeded.
  attempts integer NOT NULL DEFAULT 0,
  last_error text
);
CREATE INDEX outbox_unpublished_idx ON outbox (seq) WHERE published_at IS NULL;
CREATE INDEX outbox_published_at_idx ON outbox (published_at) WHERE published_at IS NOT NULL;

-- Message ids a consumer group has handled, inserted in the same transaction as the effect.
CREATE TABLE inbox (
  consumer_group text NOT NULL,
  message_id uuid NOT NULL,
  stream text NOT NULL,
  outcome text NOT NULL DEFAULT 'processed' CHECK (outcome IN ('processed', 'dead-lettered')),
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, message_id)
);
CREATE INDEX inbox_processed_at_idx ON inbox (processed_at);

-- Every dead-lettered entry, so none is lost if Redis is wiped; the stream copy goes out via the outbox.
CREATE TABLE dead_letters (
  id uuid PRIMARY KEY,
  consumer_group text NOT NULL,
  stream text NOT NULL,
  entry_id text NOT NULL,
  message_id uuid,
  reason_class text NOT NULL CHECK (reason_class IN ('malformed', 'handler-failed', 'delivery-limit')),
  reason text NOT NULL,
  attempts integer NOT NULL CHECK (attempts >= 0),
  raw text,
  dead_lettered_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (consumer_group, stream, entry_id)
);
CREATE INDEX dead_letters_message_id_idx ON dead_letters (message_id) WHERE message_id IS NOT NULL;

-- Down Migration
DROP TABLE dead_letters;
DROP TABLE inbox;
DROP TABLE outbox;
