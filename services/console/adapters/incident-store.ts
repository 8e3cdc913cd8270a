// Incidents in PostgreSQL (console schema, migration 0002): load the open one, write one back whole
// (the incident row and its alerts), list, and find by id. Notifications are serialised by a
// transaction-scoped advisory lock, so two notifications arriving at once cannot open two incidents.
import type { Queryable } from "../../shared/db/database.js";
import type { FaultStartSource, Incident, IncidentAlert } from "../domain/incidents.js";

interface IncidentRow {
  id: string;
  first_page_at: Date;
  fault_start_at: Date;
  fault_start_source: FaultStartSource;
  fault_start_reason: string | null;
  closed_at: Date | null;
}

interface AlertRow {
  incident_id: string;
  fingerprint: string;
  alertname: string;
  service: string | null;
  starts_at: Date;
  for_seconds: number | null;
  resolved_at: Date | null;
}

export interface StoredIncident extends Incident {
  readonly faultStartReason: string | null;
}

/** Any constant key will do: it only has to be the same for every console instance. */
const NOTIFICATION_LOCK_KEY = "console.incidents";

export const lockIncidents = async (tx: Queryable): Promise<void> => {
  await tx.query("incidents_lock", "SELECT pg_advisory_xact_lock(hashtext($1))", [NOTIFICATION_LOCK_KEY]);
};

const toAlert = (r: AlertRow): IncidentAlert => ({
  fingerprint: r.fingerprint,
  alertname: r.alertname,
  service: r.service,
  startsAtMs: r.starts_at.getTime(),
  forSeconds: r.for_seconds,
  resolvedAtMs: r.resolved_at?.getTime() ?? null,
});

const assemble = (rows: readonly IncidentRow[], alerts: readonly AlertRow[]): StoredIncident[] =>
  rows.map((r) => ({
    id: r.id,
    firstPageAtMs: r.first_page_at.getTime(),
    faultStartMs: r.fault_start_at.getTime(),
    faultStartSource: r.fault_start_source,
    faultStartReason: r.fault_start_reason,
    closedAtMs: r.closed_at?.getTime() ?? null,
    alerts: alerts.filter((a) => a.incident_id === r.id).map(toAlert),
  }));

const withAlerts = async (db: Queryable, rows: IncidentRow[]): Promise<StoredIncident[]> => {
  if (rows.length === 0) return [];
  const { rows: alerts } = await db.query<AlertRow>(
    "incident_alerts_of",
    "SELECT incident_id, fingerprint, alertname, service, starts_at, for_seconds, resolved_at FROM incident_alerts WHERE incident_id = ANY($1::uuid[]) ORDER BY starts_at, fingerprint",
    [rows.map((r) => r.id)],
  );
  return assemble(rows, alerts);
};

const COLUMNS = "id, first_page_at, fault_start_at, fault_start_source, fault_start_reason, closed_at";

export const openIncident = async (db: Queryable): Promise<StoredIncident | null> => {
  const { rows } = await db.query<IncidentRow>("incident_open", `SELECT ${COLUMNS} FROM incidents WHERE closed_at IS NULL`);
  return (await withAlerts(db, rows))[0] ?? null;
};

export const findIncident = async (db: Queryable, id: string): Promise<StoredIncident | null> => {
  const { rows } = await db.query<IncidentRow>("incident_find", `SELECT ${COLUMNS} FROM incidents WHERE id = $1 FOR UPDATE`, [id]);
  return (await withAlerts(db, rows))[0] ?? null;
};

/** Newest first. */
export const listIncidents = async (db: Queryable, limit: number): Promise<StoredIncident[]> => {
  const { rows } = await db.query<IncidentRow>("incident_list", `SELECT ${COLUMNS} FROM incidents ORDER BY first_page_at DESC LIMIT $1`, [limit]);
  return withAlerts(db, rows);
};

/** Writes the incident and every alert of it (insert or update). */
export const saveIncident = async (db: Queryable, i: Incident, faultStartReason: string | null = null): Promise<void> => {
  await db.query(
    "incident_save",
    `INSERT INTO incidents (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET fault_start_at = EXCLUDED.fault_start_at, fault_start_source = EXCLUDED.fault_start_source,
       fault_start_reason = COALESCE(EXCLUDED.fault_start_reason, incidents.fault_start_reason), closed_at = EXCLUDED.closed_at`,
    [i.id, new Date(i.firstPageAtMs), new Date(i.faultStartMs), i.faultStartSource, faultStartReason, i.closedAtMs === null ? null : new Date(i.closedAtMs)],
  );
  for (const a of i.alerts) {
    await db.query(
      "incident_alert_save",
      `INSERT INTO incident_alerts (incident_id, fingerprint, alertname, service, starts_at, for_seconds, resolved_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (incident_id, fingerprint) DO UPDATE SET alertname = EXCLUDED.alertname, service = EXCLUDED.service, starts_at = EXCLUDED.starts_at,
         for_seconds = EXCLUDED.for_seconds, resolved_at = EXCLUDED.resolved_at`,
      [i.id, a.fingerprint, a.alertname, a.service, new Date(a.startsAtMs), a.forSeconds, a.resolvedAtMs === null ? null : new Date(a.resolvedAtMs)],
    );
  }
};
