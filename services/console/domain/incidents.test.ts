import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MTTD_BUDGET_SECONDS } from "../../../ops/index.js";
import { applyNotification, bucketsAround, correctFaultStart, criticalAlertsOf, detectionSeconds, recoverySeconds, type CriticalAlert, type WebhookAlert } from "./incidents.js";

const T0 = Date.parse("2026-11-24T08:00:00Z");
const ZERO_TIME = "0001-01-01T00:00:00Z";
const iso = (ms: number): string => new Date(ms).toISOString();
const webhookAlert = (over: Partial<WebhookAlert> & { labels?: Record<string, string> } = {}): WebhookAlert => ({
  status: "firing",
  labels: { alertname: "TitanServiceDown", severity: "critical", service: "execution" },
  annotations: { for_seconds: "60" },
  startsAt: iso(T0),
  endsAt: ZERO_TIME,
  fingerprint: "aaaa",
  ...over,
});
const critical = (a: Partial<CriticalAlert>): CriticalAlert => ({ status: "firing", fingerprint: "f1", alertname: "A", service: null, startsAtMs: T0, endsAtMs: null, forSeconds: 60, ...a });
let n = 0;
const newId = (): string => `incident-${++n}`;

describe("criticalAlertsOf", () => {
  it("keeps critical alerts with their rule's for, ignores other severities", () => {
    const r = criticalAlertsOf([webhookAlert(), webhookAlert({ labels: { alertname: "X", severity: "warning" } })]);
    expect(r).toEqual({ ok: true, ignored: 1, alerts: [{ status: "firing", fingerprint: "aaaa", alertname: "TitanServiceDown", service: "execution", startsAtMs: T0, endsAtMs: null, forSeconds: 60 }] });
  });

  it("names every problem: bad times, a resolved alert without an end, a bad for, no alertname", () => {
    const r = criticalAlertsOf([webhookAlert({ startsAt: "yesterday" }), webhookAlert({ status: "resolved" }), webhookAlert({ annotations: { for_seconds: "-5" }, labels: { severity: "critical" } })]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path)).toEqual(["/body/alerts/0/startsAt", "/body/alerts/1/endsAt", "/body/alerts/2/labels/alertname", "/body/alerts/2/annotations/for_seconds"]);
  });

  it("takes startsAt as the fault start when the rule's for is unknown", () => {
    const r = criticalAlertsOf([webhookAlert({ annotations: {} })]);
    expect(r.ok && r.alerts[0]?.forSeconds).toBeNull();
  });
});

describe("applyNotification", () => {
  const pageAt = T0 + 15_000;

  it("opens on the first firing alert, joins an overlapping one, closes on the last resolve", () => {
    const first = applyNotification(null, [critical({ fingerprint: "f1", startsAtMs: T0, forSeconds: 60 })], pageAt, newId);
    expect(first.opened).toBe(true);
    expect(first.incident?.faultStartMs).toBe(T0 - 60_000);
    expect(detectionSeconds(first.incident!)).toBe(75);

    // A second alert whose condition began earlier moves the fault start back; the page time stays.
    const second = applyNotification(first.incident, [critical({ fingerprint: "f2", startsAtMs: T0 + 30_000, forSeconds: 180 })], pageAt + 60_000, newId);
    expect(second).toMatchObject({ opened: false, closed: false });
    expect(second.incident?.id).toBe(first.incident?.id);
    expect(second.incident?.faultStartMs).toBe(T0 - 150_000);

    const oneResolved = applyNotification(second.incident, [critical({ fingerprint: "f1", status: "resolved", endsAtMs: T0 + 600_000 })], T0 + 601_000, newId);
    expect(oneResolved.closed).toBe(false);
    const done = applyNotification(oneResolved.incident, [critical({ fingerprint: "f2", status: "resolved", endsAtMs: T0 + 900_000 })], T0 + 901_000, newId);
    expect(done.closed).toBe(true);
    expect(done.incident?.closedAtMs).toBe(T0 + 900_000);
    expect(detectionSeconds(done.incident!)).toBe(165);
    expect(recoverySeconds(done.incident!)).toBe(1050);
  });

  it("ignores a resolve with nothing open, and opens nothing for it", () => {
    expect(applyNotification(null, [critical({ status: "resolved", endsAtMs: T0 })], pageAt, newId)).toEqual({ incident: null, opened: false, closed: false, unmatched: 1 });
  });

  it("keeps an operator's start when more alerts join", () => {
    const opened = applyNotification(null, [critical({})], pageAt, newId).incident!;
    const corrected = correctFaultStart(opened, T0 - 3_600_000, pageAt);
    expect(corrected.ok).toBe(true);
    if (!corrected.ok) return;
    const joined = applyNotification(corrected.incident, [critical({ fingerprint: "f9", startsAtMs: T0 - 60_000 })], pageAt + 1, newId).incident!;
    expect(joined.faultStartMs).toBe(T0 - 3_600_000);
    expect(joined.faultStartSource).toBe("operator");
  });

  it("property: detection is never negative and recovery never shorter than detection", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ startOffsetMs: fc.integer({ min: -600_000, max: 600_000 }), forSeconds: fc.option(fc.integer({ min: 0, max: 900 })), lastMs: fc.integer({ min: 0, max: 3_600_000 }) }), { minLength: 1, maxLength: 6 }), (specs) => {
        let incident = applyNotification(null, specs.map((s, i) => critical({ fingerprint: `f${i}`, startsAtMs: T0 + s.startOffsetMs, forSeconds: s.forSeconds })), T0 + 600_000, newId).incident!;
        incident = applyNotification(incident, specs.map((s, i) => critical({ fingerprint: `f${i}`, status: "resolved", endsAtMs: T0 + s.lastMs })), T0 + 4_000_000, newId).incident!;
        expect(incident.closedAtMs).not.toBeNull();
        expect(detectionSeconds(incident)).toBeGreaterThanOrEqual(0);
        expect(recoverySeconds(incident)!).toBeGreaterThanOrEqual(detectionSeconds(incident));
      }),
    );
  });
});

describe("correctFaultStart", () => {
  const open = applyNotification(null, [critical({})], T0 + 15_000, newId).incident!;
  it("refuses a start after the first page or in the future", () => {
    expect(correctFaultStart(open, T0 + 20_000, T0 + 30_000)).toMatchObject({ ok: false, reason: expect.stringContaining("after its first page") });
    expect(correctFaultStart(open, T0 + 60_000, T0 + 30_000)).toMatchObject({ ok: false, reason: expect.stringContaining("future") });
  });
});

describe("bucketsAround", () => {
  it("has an edge exactly at the MTTD budget and grows strictly", () => {
    const b = bucketsAround(MTTD_BUDGET_SECONDS);
    expect(b).toContain(MTTD_BUDGET_SECONDS);
    expect(b.every((v, i) => i === 0 || v > b[i - 1]!)).toBe(true);
  });
});
