-- Up Migration
-- Every run of the nightly job, by hand or by cron: when, how it ended, and its figures.
CREATE TABLE job_runs (
  id uuid PRIMARY KEY,
  trigger text NOT NULL CHECK (trigger IN ('cron', 'manual')),
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  outcome text CHECK (outcome IN ('succeeded', 'failed', 'skipped')),
  detail text,
  figures jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX job_runs_started_at_idx ON job_runs (started_at DESC);

-- Down Migration
DROP TABLE job_runs;
