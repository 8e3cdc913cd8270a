// The exporter metrics the dashboards read exist, with the labels the queries use, in the exporters this
// machine runs (the Debian packages the local stack starts): a throwaway PostgreSQL and Redis, the three
// exporters on free ports, one scrape each.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import getPort from "get-port";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, startRedis, stopPostgres, stopRedis } from "../scripts/lib/local-servers.js";
import { dashboardQueries, metricsReadByDashboards, variableQueries } from "./index.js";
import { checkQueries, parseExposition, type Catalogue } from "./testing/catalogue.js";

const SCRAPE_TIMEOUT_MS = 20_000;

let scratch: string;
const children: ChildProcess[] = [];
let catalogue: Catalogue;

const startExporter = (command: string, args: string[], env: Record<string, string> = {}): void => {
  const child = spawn(command, args, { stdio: "ignore", env: { ...process.env, ...env } });
  child.on("error", () => undefined); // a missing binary shows as a failed scrape with its name
  children.push(child);
};

/** Scrapes until `ready` holds for the text (exporters answer before their first collection is done). */
const scrape = async (url: string, ready: (text: string) => boolean): Promise<string> => {
  const deadline = Date.now() + SCRAPE_TIMEOUT_MS;
  let last = "";
  while (Date.now() < deadline) {
    last = await fetch(url).then((r) => (r.ok ? r.text() : "")).catch(() => "");
    if (ready(last)) return last;
    await sleep(200);
  }
  throw new Error(`no usable scrape from ${url} within ${SCRAPE_TIMEOUT_MS} ms (is the exporter installed? scripts/install-dependencies.sh)\n${last.slice(0, 500)}`);
};

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "titan-dashboards-exporters-"));
  chmodSync(scratch, 0o755); // the postgres user must reach its data directory
  const [pgPort, redisPort, nodePort, pgExporterPort, redisExporterPort] = await Promise.all([getPort(), getPort(), getPort(), getPort(), getPort()]);
  const [pg, redis] = await Promise.all([startPostgres({ dataDir: join(scratch, "pg"), port: pgPort, durable: false }), startRedis({ dir: join(scratch, "redis"), port: redisPort, appendOnly: true })]);
  startExporter("prometheus-node-exporter", [`--web.listen-address=127.0.0.1:${nodePort}`, "--no-collector.textfile"]);
  startExporter("prometheus-postgres-exporter", [`--web.listen-address=127.0.0.1:${pgExporterPort}`], { DATA_SOURCE_NAME: `${pg.url("postgres")}?sslmode=disable` });
  startExporter("prometheus-redis-exporter", [`-redis.addr=${redis.url}`, `-web.listen-address=127.0.0.1:${redisExporterPort}`]);
  const texts = await Promise.all([
    scrape(`http://127.0.0.1:${nodePort}/metrics`, (t) => t.includes("node_cpu_seconds_total")),
    scrape(`http://127.0.0.1:${pgExporterPort}/metrics`, (t) => /^pg_up 1$/m.test(t) && t.includes("pg_stat_database_numbackends")),
    scrape(`http://127.0.0.1:${redisExporterPort}/metrics`, (t) => /^redis_up 1$/m.test(t)),
  ]);
  catalogue = parseExposition(texts.join("\n"));
}, 90_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  if (scratch) {
    try {
      stopPostgres(join(scratch, "pg"), "immediate");
    } catch {
      // not started
    }
    await stopRedis(join(scratch, "redis")).catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
  }
});

const isExporterMetric = (metric: string): boolean => /^(node|pg|redis)_/.test(metric);

describe("exporter metrics the capacity dashboard reads", () => {
  it("come from all three exporters", () => {
    const read = metricsReadByDashboards().filter(isExporterMetric);
    for (const prefix of ["node_", "pg_", "redis_"]) expect(read.some((m) => m.startsWith(prefix)), prefix).toBe(true);
  });

  it("exist in a scrape of the installed exporters, with the labels the queries and variables use", () => {
    const variables = variableQueries().map((v) => ({ dashboardUid: v.dashboardUid, panelTitle: `$${v.variable}`, expr: v.expr }));
    expect(variables.some((v) => v.expr.includes("node_uname_info"))).toBe(true);
    expect(checkQueries(catalogue, [...dashboardQueries(), ...variables], isExporterMetric)).toEqual([]);
  });

  it("would be caught if a name were wrong", () => {
    expect(checkQueries(catalogue, [{ dashboardUid: "t", panelTitle: "p", expr: "sum by (db) (redis_keys_total)" }], isExporterMetric)).toEqual(["t / p: no metric redis_keys_total"]);
  });
});
