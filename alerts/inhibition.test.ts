// The inhibitions, against a real Alertmanager started on a free port with the rendered configuration:
// alerts are posted through its API and it says which ones it suppresses, and by what.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import getPort from "get-port";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderAlertmanagerConfig } from "./alertmanager.js";
import { KPI_ALERTS } from "./groups/kpis.js";
import { SERVICE_ALERTS } from "./groups/services.js";
import { TRADING_ALERTS } from "./groups/trading.js";

let dir: string;
let url: string;
let child: ChildProcess;
let log = "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "titan-inhibition-"));
  writeFileSync(join(dir, "alertmanager.yml"), renderAlertmanagerConfig());
  const port = await getPort();
  url = `http://127.0.0.1:${port}`;
  child = spawn("prometheus-alertmanager", [`--config.file=${join(dir, "alertmanager.yml")}`, `--storage.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`alertmanager exited: ${log}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok).catch(() => false);
    if (ready) return;
    await sleep(100);
  }
  throw new Error(`alertmanager not ready after 20 s: ${log}`);
}, 30_000);

afterAll(() => {
  child?.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

interface ApiAlert {
  labels: Record<string, string>;
  status: { state: "active" | "suppressed" | "unprocessed"; inhibitedBy: string[] };
}

const post = async (alerts: Array<Record<string, string>>): Promise<void> => {
  const body = alerts.map((labels) => ({ labels, annotations: { summary: "test" }, startsAt: new Date().toISOString() }));
  const res = await fetch(`${url}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status, await res.text()).toBe(200);
};

/** The state Alertmanager reports for the alert with exactly these labels. */
const stateOf = async (labels: Record<string, string>): Promise<string> => {
  const all = (await (await fetch(`${url}/api/v2/alerts`)).json()) as ApiAlert[];
  const found = all.find((a) => Object.keys(labels).length === Object.keys(a.labels).length && Object.entries(labels).every(([k, v]) => a.labels[k] === v));
  if (!found) throw new Error(`alert ${JSON.stringify(labels)} not in Alertmanager`);
  return found.status.inhibitedBy.length > 0 ? "inhibited" : found.status.state;
};

/** Ends alerts an earlier case left firing (an alert whose endsAt has passed no longer inhibits). */
const resolve = async (alerts: Array<Record<string, string>>): Promise<void> => {
  const nowIso = new Date().toISOString();
  const body = alerts.map((labels) => ({ labels, annotations: { summary: "test" }, startsAt: nowIso, endsAt: nowIso }));
  const res = await fetch(`${url}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status, await res.text()).toBe(200);
};

const alert = (alertname: string, severity: string, extra: Record<string, string> = {}): Record<string, string> => ({ alertname, severity, ...extra });

describe("inhibition in a running Alertmanager", () => {
  it("silences every other alert of a service that is down, and only of that service", async () => {
    const down = alert(SERVICE_ALERTS.serviceDown, "critical", { service: "execution", job: "execution" });
    const memory = alert(SERVICE_ALERTS.serviceMemoryHigh, "warning", { service: "execution", instance: "a" });
    const otherMemory = alert(SERVICE_ALERTS.serviceMemoryHigh, "warning", { service: "brain", instance: "b" });
    const orders = alert(KPI_ALERTS.orderSuccessRateBelowKpi, "warning", { service: "execution", venue: "paper" });
    const missing = alert(SERVICE_ALERTS.serviceTargetMissing, "critical", { service: "execution", job: "execution" });
    await post([down, memory, otherMemory, orders, missing]);
    expect(await stateOf(memory)).toBe("inhibited");
    expect(await stateOf(orders)).toBe("inhibited");
    expect(await stateOf(otherMemory)).toBe("active");
    expect(await stateOf(down)).toBe("active");
    expect(await stateOf(missing)).toBe("active");
  });

  it("silences the service-side database alerts while PostgreSQL itself is down", async () => {
    const db = alert(SERVICE_ALERTS.databaseDown, "critical", { instance: "127.0.0.1:9187", job: "postgres" });
    const errors = alert(SERVICE_ALERTS.serviceDatabaseErrors, "critical", { service: "brain" });
    const slow = alert(KPI_ALERTS.databaseQueryTimeAboveKpi, "warning", { service: "console" });
    await post([db, errors, slow]);
    expect(await stateOf(errors)).toBe("inhibited");
    expect(await stateOf(slow)).toBe("inhibited");
    expect(await stateOf(db)).toBe("active");
  });

  it("silences trading held back for PostgreSQL or Redis while that store's own alert fires, and not for another dependency", async () => {
    // The first case's execution outage would silence every execution alert here.
    await resolve([SERVICE_ALERTS.serviceDown, SERVICE_ALERTS.serviceTargetMissing].map((name) => alert(name, "critical", { service: "execution", job: "execution" })));
    const db = alert(SERVICE_ALERTS.databaseDown, "critical", { instance: "127.0.0.1:9187", job: "postgres" });
    const executionPg = alert(TRADING_ALERTS.executionDependencyUnavailable, "critical", { service: "execution", dependency: "postgres" });
    const executionVenue = alert(TRADING_ALERTS.executionDependencyUnavailable, "critical", { service: "execution", dependency: "venue" });
    const brain = alert(TRADING_ALERTS.brainDependencyUnavailable, "critical", { service: "brain" });
    await post([db, executionPg, executionVenue, brain]);
    expect(await stateOf(executionPg)).toBe("inhibited");
    expect(await stateOf(brain)).toBe("inhibited");
    expect(await stateOf(executionVenue)).toBe("active");
    expect(await stateOf(db)).toBe("active");

    const redis = alert(SERVICE_ALERTS.redisDown, "critical", { instance: "127.0.0.1:9121", job: "redis" });
    const executionRedis = alert(TRADING_ALERTS.executionDependencyUnavailable, "critical", { service: "execution", dependency: "redis" });
    await post([redis, executionRedis]);
    expect(await stateOf(executionRedis)).toBe("inhibited");
    expect(await stateOf(redis)).toBe("active");
  });

  it("silences execution's missing-heartbeat alert while the brain is down", async () => {
    const heartbeat = alert(TRADING_ALERTS.brainHeartbeatMissing, "critical", { service: "execution" });
    await post([heartbeat]);
    expect(await stateOf(heartbeat)).toBe("active");
    const down = alert(SERVICE_ALERTS.serviceDown, "critical", { service: "brain", job: "brain" });
    await post([down]);
    expect(await stateOf(heartbeat)).toBe("inhibited");
    await resolve([down]); // the later cases have brain alerts of their own
  });

  it("silences the 100 ms KPI breach while the 200 ms warning fires, and a warning under a critical of the same name", async () => {
    const high = alert(KPI_ALERTS.signalLatencyHigh, "warning", { service: "brain" });
    const kpi = alert(KPI_ALERTS.signalLatencyAboveKpi, "warning", { service: "brain" });
    const critical = alert("TitanSomethingSerious", "critical", { service: "scavenger" });
    const warning = alert("TitanSomethingSerious", "warning", { service: "scavenger" });
    const warningElsewhere = alert("TitanSomethingSerious", "warning", { service: "console" });
    await post([high, kpi, critical, warning, warningElsewhere]);
    expect(await stateOf(kpi)).toBe("inhibited");
    expect(await stateOf(high)).toBe("active");
    expect(await stateOf(warning)).toBe("inhibited");
    expect(await stateOf(warningElsewhere)).toBe("active");
  });
});
