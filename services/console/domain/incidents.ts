// Incidents from Alertmanager's critical notifications, as pure functions: an incident opens on the
// first firing critical alert, every critical alert that fires while it is open joins it, and it closes
// when the last of them resolves. Detection time (the MTTD KPI) is first page − fault start; the fault
// start defaults to the earliest alert's startsAt minus its rule's `for` (Prometheus's startsAt is when
// the alert fired, not when its condition began) and an on-call may correct it from evidence.

/** An alert as Alertmanager's webhook (payload version 4) sends it. */
export interface WebhookAlert {
  readonly status: "firing" | "resolved";
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly fingerprint: string;
}

/** The annotation a rule may carry with its `for` in seconds; without it the fault start is startsAt. */
export const FOR_SECONDS_ANNOTATION = "for_seconds";
export const CRITICAL_SEVERITY = "critical";

export interface IncidentAlert {
  readonly fingerprint: string;
  readonly alertname: string;
  readonly service: string | null;
  readonly startsAtMs: number;
  /** The rule's `for`, when the alert says it; null: unknown. */
  readonly forSeconds: number | null;
  readonly resolvedAtMs: number | null;
}

export type FaultStartSource = "alerts" | "operator";

export interface Incident {
  readonly id: string;
  /** When the console received the first page: detection. */
  readonly firstPageAtMs: number;
  readonly faultStartMs: number;
  readonly faultStartSource: FaultStartSource;
  readonly closedAtMs: number | null;
  readonly alerts: readonly IncidentAlert[];
}

export interface CriticalAlert {
  readonly status: "firing" | "resolved";
  readonly fingerprint: string;
  readonly alertname: string;
  readonly service: string | null;
  readonly startsAtMs: number;
  readonly endsAtMs: number | null;
  readonly forSeconds: number | null;
}

export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

const parseTimeMs = (text: string): number | null => {
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
};

/** Alertmanager's "no end yet" is the zero time (0001-01-01...); anything before 1970 means none. */
const endMs = (text: string): number | null => {
  const ms = parseTimeMs(text);
  return ms === null || ms <= 0 ? null : ms;
};

/**
 * The critical alerts of a notification, or every problem with them. Other severities are ignored
 * (the pager route sends only critical ones; a misrouted warning must not open an incident).
 */
export const criticalAlertsOf = (alerts: readonly WebhookAlert[]): { ok: true; alerts: CriticalAlert[]; ignored: number } | { ok: false; problems: FieldProblem[] } => {
  const problems: FieldProblem[] = [];
  const out: CriticalAlert[] = [];
  let ignored = 0;
  alerts.forEach((a, i) => {
    const at = `/body/alerts/${i}`;
    if (a.labels.severity !== CRITICAL_SEVERITY) {
      ignored += 1;
      return;
    }
    const startsAtMs = parseTimeMs(a.startsAt);
    if (startsAtMs === null || startsAtMs <= 0) problems.push({ path: `${at}/startsAt`, message: `is not a time: "${a.startsAt}"` });
    const endsAtMs = endMs(a.endsAt);
    if (parseTimeMs(a.endsAt) === null) problems.push({ path: `${at}/endsAt`, message: `is not a time: "${a.endsAt}"` });
    if (a.status === "resolved" && endsAtMs === null) problems.push({ path: `${at}/endsAt`, message: "a resolved alert must say when it ended" });
    const alertname = a.labels.alertname;
    if (alertname === undefined || alertname === "") problems.push({ path: `${at}/labels/alertname`, message: "is required" });
    const forText = a.annotations[FOR_SECONDS_ANNOTATION];
    const forSeconds = forText === undefined ? null : Number(forText);
    if (forSeconds !== null && (!Number.isInteger(forSeconds) || forSeconds < 0)) problems.push({ path: `${at}/annotations/${FOR_SECONDS_ANNOTATION}`, message: `must be whole seconds >= 0, got "${forText}"` });
    if (startsAtMs === null || alertname === undefined) return;
    out.push({ status: a.status, fingerprint: a.fingerprint, alertname, service: a.labels.service ?? null, startsAtMs, endsAtMs, forSeconds: forSeconds !== null && Number.isInteger(forSeconds) ? forSeconds : null });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, alerts: out, ignored };
};

/** The default fault start: the earliest alert's condition start (startsAt − for, or startsAt when `for` is unknown). */
export const defaultFaultStartMs = (alerts: readonly IncidentAlert[]): number =>
  Math.min(...alerts.map((a) => a.startsAtMs - (a.forSeconds ?? 0) * 1000));

export interface NotificationOutcome {
  /** The incident after the notification; null when nothing was open and nothing fired. */
  readonly incident: Incident | null;
  readonly opened: boolean;
  readonly closed: boolean;
  /** Resolved alerts that belong to no open incident (a restart lost nothing: they were never paged here). */
  readonly unmatched: number;
}

/**
 * Applies one notification to the open incident (null: none open). `nowMs` is the page time of an
 * incident this opens; `newId` names it.
 */
export const applyNotification = (open: Incident | null, alerts: readonly CriticalAlert[], nowMs: number, newId: () => string): NotificationOutcome => {
  const firing = alerts.filter((a) => a.status === "firing");
  if (open === null && firing.length === 0) return { incident: null, opened: false, closed: false, unmatched: alerts.length };
  const base: Incident = open ?? { id: newId(), firstPageAtMs: nowMs, faultStartMs: nowMs, faultStartSource: "alerts", closedAtMs: null, alerts: [] };
  const byFingerprint = new Map(base.alerts.map((a) => [a.fingerprint, a]));
  let unmatched = 0;
  for (const a of alerts) {
    const known = byFingerprint.get(a.fingerprint);
    if (a.status === "firing") {
      // A re-fire keeps the earliest start: the incident began with the first one.
      byFingerprint.set(a.fingerprint, { fingerprint: a.fingerprint, alertname: a.alertname, service: a.service, startsAtMs: Math.min(known?.startsAtMs ?? a.startsAtMs, a.startsAtMs), forSeconds: a.forSeconds ?? known?.forSeconds ?? null, resolvedAtMs: null });
    } else if (known === undefined) {
      unmatched += 1;
    } else {
      byFingerprint.set(a.fingerprint, { ...known, resolvedAtMs: Math.min(a.endsAtMs ?? nowMs, nowMs) });
    }
  }
  const merged = [...byFingerprint.values()];
  const faultStartMs = base.faultStartSource === "operator" ? base.faultStartMs : Math.min(defaultFaultStartMs(merged), base.firstPageAtMs);
  const allResolved = merged.every((a) => a.resolvedAtMs !== null);
  // Closed no earlier than the page: a late notification cannot make recovery precede detection.
  const closedAtMs = allResolved ? Math.max(base.firstPageAtMs, ...merged.map((a) => a.resolvedAtMs ?? 0)) : null;
  return { incident: { ...base, alerts: merged, faultStartMs, closedAtMs }, opened: open === null, closed: allResolved, unmatched };
};

/** First page − fault start, in seconds. */
export const detectionSeconds = (i: Pick<Incident, "firstPageAtMs" | "faultStartMs">): number => Math.max(0, (i.firstPageAtMs - i.faultStartMs) / 1000);

/** Last resolve − fault start, in seconds (null while open): the whole outage, detection included. */
export const recoverySeconds = (i: Pick<Incident, "closedAtMs" | "faultStartMs">): number | null => (i.closedAtMs === null ? null : Math.max(0, (i.closedAtMs - i.faultStartMs) / 1000));

/** An on-call's correction of the fault start, or why it is refused. */
export const correctFaultStart = (i: Incident, atMs: number, nowMs: number): { ok: true; incident: Incident } | { ok: false; reason: string } => {
  if (!Number.isFinite(atMs)) return { ok: false, reason: "the start is not a time" };
  if (atMs > nowMs) return { ok: false, reason: `the start ${new Date(atMs).toISOString()} is in the future` };
  if (atMs > i.firstPageAtMs) return { ok: false, reason: `the fault cannot start after its first page (${new Date(i.firstPageAtMs).toISOString()})` };
  return { ok: true, incident: { ...i, faultStartMs: atMs, faultStartSource: "operator" } };
};

/**
 * Histogram buckets for detection and recovery, placed around a budget: fine below it (where the
 * interesting differences are), an exact edge at it, and a coarse tail up to several times it.
 */
export const bucketsAround = (budgetSeconds: number): number[] => {
  if (!(budgetSeconds > 0)) throw new Error(`bucketsAround: budget must be > 0, got ${budgetSeconds}`);
  return [0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.5, 2, 4, 8].map((f) => Math.round(budgetSeconds * f * 1000) / 1000);
};
