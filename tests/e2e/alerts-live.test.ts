// The alerts and dashboards against a live local stack of their own (scratch state folder, ports
// offset, so it never meets a developer's stack): Prometheus loads every rule group and evaluates it
// without error; once the stack has traded a little, every metric an alert or a dashboard panel reads
// has samples (the pending ones aside); every dashboard and runbook query parses; and stopping execution
// makes TitanServiceDown go pending, then firing (routed to the pager), and resolve after the restart.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ALERT_RULE_GROUPS, PENDING_METRICS, allAlerts, isPendingMetric, metricsReadByAlerts } from "../../alerts/index.js";
import { Redis } from "ioredis";
import { benchStack } from "../../bench/lib/stack.js";
import { latestPrices } from "../../bench/signal/market.js";
import { benchSignal } from "../../bench/signal/signals.js";
import { dashboardQueries, metricsReadByDashboards, variableQueries } from "../../dashboards/index.js";
import { redisTlsOptions } from "../../scripts/lib/local-servers.js";
import { daemonUrl } from "../../scripts/stack/components.js";
import { stackContext } from "../../scripts/stack/context.js";
import { publishSignal } from "../../services/scavenger/adapters/signal-store.js";
import { systemClock } from "../../services/shared/clock.js";
import { createDatabase } from "../../services/shared/db/database.js";
import { send } from "../../services/cli/http-client.js";
import { pm2Env } from "../../scripts/stack/pm2.js";
import { stackPorts, type StackPorts } from "../../scripts/stack/ports.js";
import { isPortFree } from "../../scripts/stack/processes.js";
import { REPO_DIR, stackLayout } from "../../scripts/stack/state.js";
import { runCommand } from "../support/child-process.js";

const TSX = join(REPO_DIR, "node_modules", ".bin", "tsx");
const PM2 = join(REPO_DIR, "node_modules", "pm2", "bin", "pm2");
const SERVICE = "execution";
/** How long the signals may take to become accepted paper orders; then how long series may take to appear. */
const TRADING_WAIT_MS = 90_000;
const SAMPLES_WAIT_MS = 60_000;
/** Signals handed to the brain, one long per symbol: positions open, none closes at a loss (no breaker). */
const SIGNALS = 3;

let stackDir: string;
let ports: StackPorts;
let offset: number;
let env: NodeJS.ProcessEnv;
const startedMs = Date.now();
const elapsed = (): string => `${((Date.now() - startedMs) / 1000).toFixed(0)} s`;
const log = (line: string): void => void process.stdout.write(`[alerts-live ${elapsed()}] ${line}\n`);

const run = (cmd: string, args: string[], timeoutMs: number) => runCommand(cmd, args, env, timeoutMs);

const stack = (command: "up" | "down", timeoutMs = 300_000) => run(TSX, ["scripts/stack.ts", command, ...(command === "up" ? ["--timeout", "180"] : [])], timeoutMs);

/** PM2 of this stack (its own PM2_HOME), as scripts/stack/pm2.ts drives it. */
const pm2 = (...args: string[]): string => {
  const res = spawnSync(process.execPath, [PM2, ...args], { cwd: REPO_DIR, env: pm2Env(stackLayout(stackDir), offset), encoding: "utf8", timeout: 60_000 });
  if (res.status !== 0) throw new Error(`pm2 ${args.join(" ")} failed: ${res.stderr || res.stdout}`);
  return res.stdout;
};

/** A GET to one of the stack's monitoring daemons: HTTPS only, TLS 1.3, checked against the stack's CA. */
const monitoring = (daemon: "prometheus" | "alertmanager", path: string) => send(daemonUrl(ports, daemon, path), { caFile: join(stackDir, "ca", "ca.crt"), timeoutMs: 10_000 });

const prometheus = async <T>(path: string): Promise<T> => {
  const body = JSON.parse((await monitoring("prometheus", path)).body) as { status: string; data: T; error?: string };
  if (body.status !== "success") throw new Error(`Prometheus ${path}: ${body.error}`);
  return body.data;
};

/** The error Prometheus gives for a query, or undefined when it parses and evaluates. */
const queryError = async (expr: string): Promise<string | undefined> => {
  const answer = await monitoring("prometheus", `/api/v1/query?query=${encodeURIComponent(expr)}`);
  return answer.status === 200 ? undefined : (JSON.parse(answer.body) as { error: string }).error;
};

const query = (promql: string) => prometheus<{ result: unknown[] }>(`/api/v1/query?query=${encodeURIComponent(promql)}`);

/**
 * Makes the stack trade a little without waiting for the synthetic market to spring a trap: a few
 * signals handed to the brain exactly as the scavenger hands them over (its outbox, as its own role),
 * priced where execution's market data is, small enough for every risk cap.
 */
const tradeALittle = async (): Promise<number> => {
  const stackOf = benchStack(stackContext(env));
  const creds = stackOf.serviceDatabase("scavenger");
  const db = createDatabase({ url: creds.url, password: creds.password, applicationName: "titan-alerts-live", maxConnections: 2 });
  const redis = new Redis(stackOf.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true, ...redisTlsOptions(stackOf.redisUrl, stackOf.caFile) });
  try {
    await redis.connect();
    let prices = new Map<string, number>();
    await waitFor("market prices on the bus", async () => (prices = await latestPrices(redis)).size > 0, 60_000);
    const symbols = [...prices.keys()].sort().slice(0, SIGNALS);
    for (const symbol of symbols) {
      const message = benchSignal({ symbol, side: "long", priceUsd: prices.get(symbol)!, notionalUsd: 150, leverage: 5, tsMs: Date.now() });
      await publishSignal(db, { message, configVersion: 1 }, { clock: systemClock, instanceId: "alerts-live" });
    }
    return symbols.length;
  } finally {
    redis.disconnect();
    await db.close();
  }
};

interface PromAlert {
  labels: Record<string, string>;
  state: "pending" | "firing";
}

const serviceDownState = async (): Promise<string | undefined> => {
  const { alerts } = await prometheus<{ alerts: PromAlert[] }>("/api/v1/alerts");
  return alerts.find((a) => a.labels.alertname === "TitanServiceDown" && a.labels.service === SERVICE)?.state;
};

/** Polls until `predicate` holds; returns the seconds it took. */
const waitFor = async (what: string, predicate: () => Promise<boolean>, timeoutMs: number): Promise<number> => {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (await predicate().catch(() => false)) return (Date.now() - t0) / 1000;
    await sleep(1_000);
  }
  throw new Error(`${what}: not after ${timeoutMs / 1000} s`);
};

beforeAll(async () => {
  const parent = mkdtempSync(join(inject("scratchDir"), "alerts-live-"));
  chmodSync(parent, 0o755); // PostgreSQL runs as the postgres user and must reach its data folder
  stackDir = join(parent, ".titan");
  const free = async (candidate: number) => (await Promise.all(Object.values(stackPorts(candidate)).map(isPortFree))).every(Boolean);
  let chosen: number | undefined;
  for (const candidate of [1500, 2500, 3500, 4500, 5500, 6500, 7500]) {
    if (await free(candidate)) {
      chosen = candidate;
      break;
    }
  }
  if (chosen === undefined) throw new Error("no free port range for the stack under test");
  offset = chosen;
  ports = stackPorts(offset);
  env = { ...process.env, TITAN_STACK_DIR: stackDir, TITAN_STACK_PORT_OFFSET: String(offset), TITAN_STATE_DIR: stackDir };
  // The stack runs the compiled services; TITAN_E2E_SKIP_BUILD=1 reuses a build made just before.
  if (process.env.TITAN_E2E_SKIP_BUILD !== "1") {
    const build = await run("npm", ["run", "build"], 600_000);
    expect(build.code, build.output).toBe(0);
  }
  const up = await stack("up");
  expect(up.code, up.output).toBe(0);
  log(`stack up in ${stackDir}, ports offset by ${offset}`);
  await waitFor(
    "every scrape target up",
    async () => {
      const { activeTargets } = await prometheus<{ activeTargets: Array<{ health: string }> }>("/api/v1/targets");
      return activeTargets.length > 0 && activeTargets.every((t) => t.health === "up");
    },
    90_000,
  );
  log("every scrape target up");
}, 900_000);

afterAll(async () => {
  if (stackDir) await stack("down", 180_000);
}, 240_000);

describe("the alert rules in a live Prometheus", () => {
  it("are loaded, every group and every alert of alerts/, and evaluate without error", async () => {
    type Group = { name: string; rules: Array<{ type: string; name: string; health: string; lastError?: string }> };
    let groups: Group[] = [];
    // Two evaluation rounds, so every rule has been evaluated at least once against live data.
    await waitFor("every rule evaluated", async () => {
      groups = (await prometheus<{ groups: Group[] }>("/api/v1/rules")).groups;
      return groups.length > 0 && groups.flatMap((g) => g.rules).every((r) => r.health !== "unknown");
    }, 60_000);
    expect(groups.map((g) => g.name).sort()).toEqual(ALERT_RULE_GROUPS.map((g) => g.name).sort());
    const alerting = groups.flatMap((g) => g.rules).filter((r) => r.type === "alerting").map((r) => r.name);
    expect(alerting.sort()).toEqual(allAlerts().map((a) => a.name).sort());
    const broken = groups.flatMap((g) => g.rules).filter((r) => r.health !== "ok").map((r) => `${r.name}: ${r.lastError}`);
    expect(broken).toEqual([]);
  }, 90_000);

  it("fire the Watchdog", async () => {
    await waitFor("Watchdog firing", async () => (await prometheus<{ alerts: PromAlert[] }>("/api/v1/alerts")).alerts.some((a) => a.labels.alertname === "Watchdog" && a.state === "firing"), 60_000);
  }, 90_000);

  it("read only metrics that have live samples once the stack has traded (the pending ones aside)", async () => {
    // Some series appear with their first event (a decision, an order, a histogram's first observation):
    // let the paper venue take a few orders first, within a bound that keeps the test short.
    log(`${await tradeALittle()} signals handed to the brain`);
    const tradedS = await waitFor("the paper venue to accept orders", async () => {
      const { result } = (await query('sum(titan_execution_orders_total{outcome="accepted"}) > 0')) as { result: unknown[] };
      return result.length > 0;
    }, TRADING_WAIT_MS).catch(() => undefined);
    log(tradedS === undefined ? `no order accepted within ${TRADING_WAIT_MS / 1000} s; checking what exists` : `first order accepted ${tradedS.toFixed(0)} s after the signals`);
    const recorded = new Set(ALERT_RULE_GROUPS.flatMap((g) => g.recordingRules.map((r) => r.record)));
    // Recorded series are checked through their inputs (and the rules' health above), not themselves:
    // the MTTR series, for one, rightly has no value before the first incident.
    const fromDashboards = metricsReadByDashboards().filter((m) => !isPendingMetric(m) && !recorded.has(m) && !m.includes(":"));
    const metrics = [...new Set([...metricsReadByAlerts(), ...fromDashboards])].sort();
    log(`pending metrics, not checked: ${PENDING_METRICS.map((p) => `${p.metric} (${p.issue === null ? "no issue" : `issue ${p.issue}`})`).join(", ")}`);
    let missing: string[] = metrics;
    // Counters and gauges appear from the first scrape; give the services a few scrape rounds.
    await waitFor(
      "samples for every metric",
      async () => {
        const present = await Promise.all(missing.map(async (m) => ((await query(`count(${m})`)).result.length > 0 ? undefined : m)));
        missing = present.filter((m): m is string => m !== undefined);
        return missing.length === 0;
      },
      SAMPLES_WAIT_MS,
    ).catch(() => undefined);
    log(`${metrics.length - missing.length} of ${metrics.length} metrics (alerts ${metricsReadByAlerts().length}, dashboards ${fromDashboards.length}) have samples${missing.length ? `; none for: ${missing.join(", ")}` : ""}`);
    // A labelled counter or gauge that is never initialised (or a histogram never observed) has no series
    // until its first event: its alert or panel stays blind until then, and this test names it.
    expect(missing, "metrics an alert or a dashboard reads with no sample in the live stack").toEqual([]);
  }, TRADING_WAIT_MS + SAMPLES_WAIT_MS + 120_000);

  it("are shown by dashboards whose every query and variable parses in Prometheus's query API", async () => {
    const queries = [...dashboardQueries().map((q) => ({ where: `${q.dashboardUid} / ${q.panelTitle}`, expr: q.expr })), ...variableQueries().map((v) => ({ where: `${v.dashboardUid} / $${v.variable}`, expr: v.expr }))];
    const bad: string[] = [];
    for (const { where, expr } of queries) {
      const error = await queryError(expr);
      if (error !== undefined) bad.push(`${where}: ${error}`);
    }
    log(`${queries.length} dashboard queries checked`);
    expect(bad).toEqual([]);
    expect(queries.length).toBeGreaterThan(100);
  }, 120_000);

  it("are explained by runbooks whose PromQL parses in Prometheus's query API", async () => {
    const dir = join(REPO_DIR, "runbooks");
    const queries = readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith(".md"))
      .flatMap((f) => [...readFileSync(join(dir, f), "utf8").matchAll(/```promql\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split("\n").filter((l) => l.trim() !== "").map((q) => ({ file: f, q }))));
    const bad: string[] = [];
    for (const { file, q } of queries) {
      const error = await queryError(q);
      if (error !== undefined) bad.push(`${file}: ${q}: ${error}`);
    }
    log(`${queries.length} runbook queries checked`);
    expect(bad).toEqual([]);
    expect(queries.length).toBeGreaterThan(20);
  }, 120_000);
});

describe("stopping execution", () => {
  it("makes TitanServiceDown go pending, then firing to the pager, and resolve after the restart", async () => {
    expect(await serviceDownState()).toBeUndefined();
    pm2("stop", SERVICE);
    log(`${SERVICE} stopped under PM2`);
    const pendingS = await waitFor("TitanServiceDown pending", async () => (await serviceDownState()) === "pending", 120_000);
    log(`TitanServiceDown pending ${pendingS.toFixed(0)} s after the stop`);
    const firingS = pendingS + (await waitFor("TitanServiceDown firing", async () => (await serviceDownState()) === "firing", 180_000));
    log(`TitanServiceDown firing ${firingS.toFixed(0)} s after the stop`);

    // Alertmanager has it, routed by its severity.
    type AmAlert = { labels: Record<string, string>; receivers: Array<{ name: string }>; status: { state: string } };
    let inAm: AmAlert | undefined;
    const amS = await waitFor(
      "TitanServiceDown in Alertmanager",
      async () => {
        const alerts = JSON.parse((await monitoring("alertmanager", "/api/v2/alerts")).body) as AmAlert[];
        inAm = alerts.find((a) => a.labels.alertname === "TitanServiceDown" && a.labels.service === SERVICE);
        return inAm !== undefined;
      },
      60_000,
    );
    expect(inAm?.receivers.map((r) => r.name)).toEqual(["pager"]);
    expect(inAm?.status.state).toBe("active");
    log(`in Alertmanager ${amS.toFixed(0)} s after firing, receiver pager`);

    pm2("restart", SERVICE);
    log(`${SERVICE} restarted under PM2`);
    const resolvedS = await waitFor("TitanServiceDown resolved", async () => (await serviceDownState()) === undefined, 180_000);
    log(`TitanServiceDown resolved ${resolvedS.toFixed(0)} s after the restart`);
    process.stdout.write(`\nTitanServiceDown live timings: pending ${pendingS.toFixed(0)} s, firing ${firingS.toFixed(0)} s after the stop; resolved ${resolvedS.toFixed(0)} s after the restart\n`);
  }, 600_000);
});
