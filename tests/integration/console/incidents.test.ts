// The console's Alertmanager webhook against a real PostgreSQL: critical pages open, join and close an
// incident, the MTTD and MTTR histograms are observed with the incident's own figures, bad payloads
// store nothing, only Alertmanager's token is let in, and an operator's start correction is audited.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Histogram } from "prom-client";
import { issueApiToken, issueServiceToken } from "../../../services/shared/auth/index.js";
import { createDatabase } from "../../../services/shared/db/database.js";
import { DETECTION_METRIC, RECOVERY_METRIC } from "../../../services/console/adapters/incident-metrics.js";
import { ALERTMANAGER_WEBHOOK_PATH } from "../../../services/console/adapters/alertmanager-auth.js";
import { SERVICE_TOKEN_SECRET } from "../../support/service-env.js";
import { auditActions, auditHead, startConsole, type ConsoleWorld } from "./support.js";

const REPO = fileURLToPath(new URL("../../..", import.meta.url));
const WEBHOOK_TOKEN = "tam_incident-test-token-0123456789abcdef";
const ZERO_TIME = "0001-01-01T00:00:00Z";
const iso = (ms: number): string => new Date(ms).toISOString();

interface AlertSpec {
  readonly fingerprint: string;
  readonly alertname: string;
  readonly startsAtMs: number;
  readonly forSeconds?: number;
  readonly resolvedAtMs?: number;
  readonly severity?: string;
}

const notification = (alerts: readonly AlertSpec[]) => ({
  version: "4",
  status: alerts.some((a) => a.resolvedAtMs === undefined) ? "firing" : "resolved",
  receiver: "pager",
  groupKey: "{}:{alertname=\"x\"}",
  groupLabels: {},
  commonLabels: {},
  commonAnnotations: {},
  externalURL: "http://127.0.0.1:9093",
  truncatedAlerts: 0,
  alerts: alerts.map((a) => ({
    status: a.resolvedAtMs === undefined ? "firing" : "resolved",
    labels: { alertname: a.alertname, severity: a.severity ?? "critical", service: "execution" },
    annotations: { summary: "s", ...(a.forSeconds === undefined ? {} : { for_seconds: String(a.forSeconds) }) },
    startsAt: iso(a.startsAtMs),
    endsAt: a.resolvedAtMs === undefined ? ZERO_TIME : iso(a.resolvedAtMs),
    generatorURL: "http://prometheus/graph",
    fingerprint: a.fingerprint,
  })),
});

describe("the console's incident webhook", () => {
  let world: ConsoleWorld;
  const tokens: Record<"viewer" | "operator" | "admin", string> = { viewer: "", operator: "", admin: "" };

  /** Alertmanager's own token unless told otherwise; null sends none. */
  const post = (payload: unknown, authorization: string | null = `Bearer ${WEBHOOK_TOKEN}`) =>
    world.app.inject({ method: "POST", url: ALERTMANAGER_WEBHOOK_PATH, payload: payload as object, headers: authorization === null ? {} : { authorization } });
  const incidentCount = async (): Promise<number> => Number((await world.db.pool.query("SELECT count(*) AS n FROM console.incidents")).rows[0].n);
  const histogram = async (name: string): Promise<{ count: number; sum: number }> => {
    const values = (await (world.running.ctx.metrics.registry.getSingleMetric(name) as Histogram).get()).values;
    return { count: values.find((v) => v.metricName === `${name}_count`)?.value ?? Number.NaN, sum: values.find((v) => v.metricName === `${name}_sum`)?.value ?? Number.NaN };
  };
  const authFailures = async (): Promise<number> => (await world.running.ctx.metrics.authFailuresTotal.get()).values.filter((v) => v.labels.route === ALERTMANAGER_WEBHOOK_PATH).reduce((s, v) => s + v.value, 0);

  beforeAll(async () => {
    world = await startConsole("incidents", {});
    const secrets = join(world.stateDir, "secrets");
    mkdirSync(secrets, { recursive: true });
    writeFileSync(join(secrets, "alertmanager-webhook-token"), `${WEBHOOK_TOKEN}\n`, { mode: 0o600 });
    const admin = createDatabase({ url: world.db.url, applicationName: "incidents-test" });
    for (const role of ["viewer", "operator", "admin"] as const) {
      const issued = await admin.transaction((tx) => issueApiToken(tx, { name: `incidents-${role}`, role, scopes: [], ttlSeconds: 3_600 }, { clock: world.clock, actor: { kind: "system", id: "test", name: "incidents test" }, service: "console" }));
      tokens[role] = issued.token;
    }
    await admin.close();
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("has both histograms before any incident, with zero observations", async () => {
    const text = await world.running.ctx.metrics.registry.metrics();
    expect(text).toMatch(new RegExp(`^${DETECTION_METRIC}_count\\{service="console"\\} 0$`, "m"));
    expect(text).toMatch(new RegExp(`^${RECOVERY_METRIC}_count\\{service="console"\\} 0$`, "m"));
    expect(text).toMatch(new RegExp(`^${DETECTION_METRIC}_bucket\\{le="300",service="console"\\} 0$`, "m"));
  });

  it("refuses a missing or wrong token with 401 and counts it; another credential gets 403; nothing is stored", async () => {
    const before = await authFailures();
    const payload = notification([{ fingerprint: "x1", alertname: "TitanServiceDown", startsAtMs: world.clock.nowMs() }]);
    expect((await post(payload, null)).statusCode).toBe(401);
    expect((await post(payload, "Bearer tam_not-the-token")).statusCode).toBe(401);
    expect((await post(payload, `Bearer ${tokens.admin}`)).statusCode).toBe(403);
    const brainToken = issueServiceToken("brain", SERVICE_TOKEN_SECRET, world.clock, 60_000);
    const asBrain = await post(payload, `Bearer ${brainToken}`);
    expect(asBrain.statusCode).toBe(403);
    expect(asBrain.json().detail).toMatch(/only Alertmanager/);
    expect(await authFailures()).toBe(before + 3);
    expect(await incidentCount()).toBe(0);
  });

  it("answers 400 naming the problem for a bad payload, and stores nothing", async () => {
    const noFingerprint = notification([{ fingerprint: "x1", alertname: "TitanServiceDown", startsAtMs: world.clock.nowMs() }]);
    delete (noFingerprint.alerts[0] as { fingerprint?: string }).fingerprint;
    const schemaFailure = await post(noFingerprint);
    expect(schemaFailure.statusCode).toBe(400);
    expect(schemaFailure.body).toMatch(/fingerprint/);

    const badTime = notification([{ fingerprint: "x1", alertname: "TitanServiceDown", startsAtMs: world.clock.nowMs() }]);
    badTime.alerts[0]!.startsAt = "not a time";
    const domainFailure = await post(badTime);
    expect(domainFailure.statusCode).toBe(400);
    expect(domainFailure.json().detail).toBe('/body/alerts/0/startsAt is not a time: "not a time"');

    const wrongVersion = await post({ ...notification([]), version: "3" });
    expect(wrongVersion.statusCode).toBe(400);
    expect(await incidentCount()).toBe(0);
  });

  it("opens on a critical page, joins an overlapping one, closes on the last resolve and observes MTTD and MTTR", async () => {
    const pageAtMs = world.clock.nowMs();
    const detectionBefore = await histogram(DETECTION_METRIC);
    // Fired 20 s ago after a 60 s `for`: the fault began 80 s before the page.
    const first = await post(notification([{ fingerprint: "f1", alertname: "TitanServiceDown", startsAtMs: pageAtMs - 20_000, forSeconds: 60 }, { fingerprint: "w1", alertname: "TitanHighLatency", startsAtMs: pageAtMs, severity: "warning" }]));
    expect(first.statusCode).toBe(200);
    const opened = first.json();
    expect(opened).toMatchObject({ opened: true, closed: false, ignored: 1 });

    world.clock.advance(60_000);
    // Joins, and its condition (start − 300 s `for`) began before the first one's: the fault start moves back to 290 s before the page.
    const second = await post(notification([{ fingerprint: "f2", alertname: "TitanDatabaseDown", startsAtMs: pageAtMs + 10_000, forSeconds: 300 }]));
    expect(second.json()).toMatchObject({ incidentId: opened.incidentId, opened: false, closed: false });
    // A repeated notification changes nothing.
    expect((await post(notification([{ fingerprint: "f1", alertname: "TitanServiceDown", startsAtMs: pageAtMs - 20_000, forSeconds: 60 }]))).json()).toMatchObject({ incidentId: opened.incidentId, opened: false });
    expect(await incidentCount()).toBe(1);

    world.clock.advance(600_000);
    const oneResolved = await post(notification([{ fingerprint: "f1", alertname: "TitanServiceDown", startsAtMs: pageAtMs - 20_000, forSeconds: 60, resolvedAtMs: pageAtMs + 500_000 }]));
    expect(oneResolved.json()).toMatchObject({ closed: false });
    expect((await histogram(DETECTION_METRIC)).count).toBe(detectionBefore.count);

    const closed = await post(notification([{ fingerprint: "f2", alertname: "TitanDatabaseDown", startsAtMs: pageAtMs + 10_000, forSeconds: 300, resolvedAtMs: pageAtMs + 620_000 }]));
    expect(closed.json()).toMatchObject({ incidentId: opened.incidentId, closed: true });
    expect(await histogram(DETECTION_METRIC)).toEqual({ count: detectionBefore.count + 1, sum: detectionBefore.sum + 290 });
    expect((await histogram(RECOVERY_METRIC)).sum).toBe(290 + 620);

    const { rows } = await world.db.pool.query("SELECT first_page_at, fault_start_at, closed_at, (SELECT count(*)::int FROM console.incident_alerts WHERE incident_id = i.id) AS alerts FROM console.incidents i WHERE id = $1", [opened.incidentId]);
    expect(rows[0]).toEqual({ first_page_at: new Date(pageAtMs), fault_start_at: new Date(pageAtMs - 290_000), closed_at: new Date(pageAtMs + 620_000), alerts: 2 });

    // A late resolve for the closed incident opens nothing.
    expect((await post(notification([{ fingerprint: "f2", alertname: "TitanDatabaseDown", startsAtMs: pageAtMs, resolvedAtMs: pageAtMs + 620_000 }]))).json()).toMatchObject({ incidentId: null, unmatched: 1 });
  });

  it("lets an operator correct the fault start from evidence: audited, listed, and the closed incident observed again", async () => {
    const list = await world.app.inject({ method: "GET", url: "/api/incidents", headers: { authorization: `Bearer ${tokens.viewer}` } });
    expect(list.statusCode).toBe(200);
    const [incident] = list.json().incidents;
    expect(incident).toMatchObject({ status: "closed", detectionSeconds: 290, recoverySeconds: 910, faultStartSource: "alerts" });

    const url = `/api/incidents/${incident.id}/start`;
    const at = iso(Date.parse(incident.firstPageAt) - 600_000);
    expect((await world.app.inject({ method: "POST", url, payload: { at, reason: "disk filled at 08:00 per dmesg" }, headers: { authorization: `Bearer ${tokens.viewer}` } })).statusCode).toBe(403);
    const afterPage = await world.app.inject({ method: "POST", url, payload: { at: iso(Date.parse(incident.firstPageAt) + 1_000), reason: "typo" }, headers: { authorization: `Bearer ${tokens.operator}` } });
    expect(afterPage.statusCode).toBe(400);
    expect(afterPage.json().detail).toMatch(/cannot start after its first page/);

    const head = await auditHead(world);
    const before = await histogram(DETECTION_METRIC);
    const corrected = await world.app.inject({ method: "POST", url, payload: { at, reason: "disk filled at 08:00 per dmesg" }, headers: { authorization: `Bearer ${tokens.operator}` } });
    expect(corrected.statusCode).toBe(200);
    expect(corrected.json()).toMatchObject({ detectionSeconds: 600, faultStartSource: "operator", faultStartReason: "disk filled at 08:00 per dmesg" });
    expect(await histogram(DETECTION_METRIC)).toEqual({ count: before.count + 1, sum: before.sum + 600 });
    const audit = await auditActions(world, head);
    expect(audit.map((a) => ({ action: a.action, target: a.target, reason: a.reason }))).toEqual([{ action: "incident.set-start", target: `incident:${incident.id}`, reason: "disk filled at 08:00 per dmesg" }]);
    expect(audit[0]?.after).toMatchObject({ detectionSeconds: 600, source: "operator" });

    const missing = await world.app.inject({ method: "POST", url: "/api/incidents/00000000-0000-4000-8000-000000000000/start", payload: { at, reason: "x" }, headers: { authorization: `Bearer ${tokens.operator}` } });
    expect(missing.statusCode).toBe(404);
  });

  it("titanctl lists incidents and corrects a start, refusing a time without a zone before asking the console", async () => {
    const titanctl = (args: string[], token: string): Promise<{ code: number; out: string; err: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [join(REPO, "bin", "titanctl.mjs"), ...args], {
          cwd: REPO,
          stdio: ["ignore", "pipe", "pipe"],
          env: { PATH: process.env.PATH, TITAN_STATE_DIR: world.stateDir, TITAN_API_URL: `http://127.0.0.1:${world.running.port}`, TITAN_TOKEN: token },
        });
        let out = "";
        let err = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (err += d.toString()));
        child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
      });
    const listed = await titanctl(["incident", "list", "--json"], tokens.viewer);
    expect(listed.code, listed.err).toBe(0);
    const [incident] = JSON.parse(listed.out) as Array<{ id: string; firstPageAt: string }>;
    const text = await titanctl(["incident", "list"], tokens.viewer);
    expect(text.out).toMatch(new RegExp(`^${incident!.id}\\s+closed\\s+`, "m"));

    const noZone = await titanctl(["incident", "set-start", incident!.id, "--at", "2026-11-24 07:58", "--reason", "x"], tokens.operator);
    expect(noZone.code).not.toBe(0);
    expect(noZone.err).toMatch(/ISO 8601 time with a zone/);

    const at = iso(Date.parse(incident!.firstPageAt) - 120_000);
    const asViewer = await titanctl(["incident", "set-start", incident!.id, "--at", at, "--reason", "deploy at 07:58 per CI log"], tokens.viewer);
    expect(asViewer.code).not.toBe(0);
    const set = await titanctl(["incident", "set-start", incident!.id, "--at", at, "--reason", "deploy at 07:58 per CI log"], tokens.operator);
    expect(set.code, set.err).toBe(0);
    expect(set.out.trim()).toBe(`incident ${incident!.id}: fault start ${at}, first page ${incident!.firstPageAt}, detection 2m00s (closed; MTTD observed)`);
  });
});
