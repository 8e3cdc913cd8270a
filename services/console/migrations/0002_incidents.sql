-- Up Migration
-- Incidents opened by Alertmanager's critical notifications (the console's webhook receiver): the
-- record the MTTD KPI is measured from. first_page_at is when the console received the first page;
-- fault_start_at defaults to the earliest alert's condition start and an on-call may correct it
-- (the correction is in the audit log, the reason here too).
CREATE TABLE incidents (
  id uuid PRIMARY KEY,
  first_page_at timestamptz NOT NULL,
  fault_start_at timestamptz NOT NULL,
  fault_start_source text NOT NULL CHECK (fault_start_source IN ('alerts', 'operator')),
  fault_start_reason text,
  closed_at timestamptz,
  CHECK (fault_start_at <= first_page_at),
  CHECK (closed_at IS NULL OR closed_at >= first_page_at)
);
-- Overlapping critical alerts are one incident: at most one is open at a time.
CREATE UNIQUE INDEX incidents_one_open_idx ON incidents ((true)) WHERE closed_at IS NULL;
CREATE INDEX incidents_first_page_idx ON incidents (first_page_at DESC);

-- The critical alerts of an incident, by Alertmanager's fingerprint.
CREATE TABLE incident_alerts (
  incident_id uuid NOT NULL REFERENCES incidents (id),
  fingerprint text NOT NULL CHECK (length(fingerprint) BETWEEN 1 AND 128),
  alertname text NOT NULL,
  service text,
  starts_at timestamptz NOT NULL,
  -- The rule's `for` when the alert carried it; null: unknown (the fault start is then startsAt).
  for_seconds integer CHECK (for_seconds >= 0),
  resolved_at timestamptz,
  PRIMARY KEY (incident_id, fingerprint)
);

-- Down Migration
DROP TABLE incident_alerts;
DROP TABLE incidents;
