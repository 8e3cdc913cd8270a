// The logical and Redis tiers against the shared test servers, and the metrics every run pushes to a
// real Pushgateway: a schema dump that restores one schema alone, an RDB snapshot Redis's own checker
// accepts, a failed run counted as failed, totals that keep growing across processes.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import getPort from "get-port";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { BackupRepository } from "../../../services/backup/adapters/repository.js";
import { restoreSchema } from "../../../services/backup/adapters/postgres-backup.js";
import { resolveTarget, type BackupTarget } from "../../../services/backup/adapters/target.js";
import { runTiers } from "../../../services/backup/runner.js";
import { systemClock } from "../../../services/shared/clock.js";
import { provisionTestDatabase } from "../../support/service-env.js";
import { withTestDatabase, type TestDatabase } from "../../support/test-database.js";

let db: TestDatabase;
let root: string;
let target: BackupTarget;
let pushgateway: ChildProcess;
let pushgatewayUrl: string;
const progress = (): void => undefined;

const scrape = async (): Promise<Map<string, number>> => {
  const text = await (await fetch(`${pushgatewayUrl}/metrics`)).text();
  return new Map(
    text
      .split("\n")
      .filter((l) => l.startsWith("titan_backup_"))
      .map((l) => {
        const i = l.lastIndexOf(" ");
        return [l.slice(0, i).replace(/,?instance="",?/, "").replace(/,?job="titan-backup",?/, "").replace("{,", "{").replace(",}", "}"), Number(l.slice(i + 1))] as const;
      }),
  );
};

beforeAll(async () => {
  db = await withTestDatabase("backup_tiers");
  await provisionTestDatabase(db);
  await db.pool.query("CREATE TABLE scavenger.settings (name text PRIMARY KEY, value text NOT NULL)");
  await db.pool.query("INSERT INTO scavenger.settings VALUES ('volume_multiplier', '2.5')");
  root = mkdtempSync(join(inject("scratchDir"), "backup-tiers-"));
  chmodSync(root, 0o755);
  const port = await getPort();
  pushgatewayUrl = `http://127.0.0.1:${port}`;
  pushgateway = spawn("prometheus-pushgateway", [`--web.listen-address=127.0.0.1:${port}`], { stdio: "ignore" });
  for (let i = 0; i < 100 && !(await fetch(`${pushgatewayUrl}/-/ready`).then((r) => r.ok, () => false)); i++) await sleep(100);
  const admin = new URL(inject("postgresAdminUrl"));
  target = resolveTarget(root, undefined, { pgDataDir: join(root, "unused-pg"), pgPort: Number(admin.port), database: db.name, redisUrl: inject("redisUrl"), pushgatewayUrl });
});

afterAll(() => {
  pushgateway?.kill("SIGTERM");
});

describe("schema dumps of the configuration and analytics tiers", () => {
  it("dump each schema of the tier into its own file, and a dump restores its schema alone", async () => {
    const [config, analytics] = await runTiers({ target, clock: systemClock, progress }, ["configuration", "historicalAnalytics"]);
    expect(config?.line.outcome, config?.line.detail).toBe("succeeded");
    expect(analytics?.line.outcome, analytics?.line.detail).toBe("succeeded");
    expect(config!.record!.files.map((f) => f.name)).toEqual(["auth.dump", "console.dump", "scavenger.dump"]);
    expect(analytics!.record!.files.map((f) => f.name)).toEqual(["quant.dump"]);

    await db.pool.query("UPDATE scavenger.settings SET value = 'broken'");
    await db.pool.query("CREATE TABLE brain.untouched (x int)");
    const repo = new BackupRepository(target);
    await restoreSchema({ adminUrl: target.pgAdminUrl, dumpFile: join(repo.backupPath("configuration", config!.record!.id), "scavenger.dump"), schema: "scavenger" });
    expect((await db.pool.query("SELECT value FROM scavenger.settings")).rows).toEqual([{ value: "2.5" }]);
    expect((await db.pool.query("SELECT to_regclass('brain.untouched') IS NOT NULL AS kept")).rows).toEqual([{ kept: true }]);
  });
});

describe("the Redis snapshot", () => {
  it("is a BGSAVE'd RDB that redis-check-rdb accepts", async () => {
    const [result] = await runTiers({ target, clock: systemClock, progress }, ["redis"]);
    expect(result?.line.outcome, result?.line.detail).toBe("succeeded");
    const file = join(new BackupRepository(target).backupPath("redis", result!.record!.id), "dump.rdb");
    const check = spawnSync("redis-check-rdb", [file], { encoding: "utf8" });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/RDB looks OK/);
  });
});

describe("the backup metrics", () => {
  it("count every run by tier and outcome, a failure included, and keep the last success per tier", async () => {
    const broken = { ...target, pgAdminUrl: target.pgAdminUrl.replace(/\/[^/]+$/, "/no_such_database") };
    const [failed] = await runTiers({ target: broken, clock: systemClock, progress }, ["historicalAnalytics"]);
    expect(failed?.line.outcome).toBe("failed");
    expect(failed?.line.detail).toMatch(/no_such_database/);
    expect(failed?.pushError).toBeUndefined();
    const m = await scrape();
    expect(m.get('titan_backup_runs_total{outcome="succeeded",tier="configuration"}')).toBe(1);
    expect(m.get('titan_backup_runs_total{outcome="succeeded",tier="historicalAnalytics"}')).toBe(1);
    expect(m.get('titan_backup_runs_total{outcome="failed",tier="historicalAnalytics"}')).toBe(1);
    expect(m.get('titan_backup_runs_total{outcome="failed",tier="tradingData"}')).toBe(0);
    expect(m.get('titan_backup_last_run_outcome_state{outcome="failed",tier="historicalAnalytics"}')).toBe(1);
    expect(m.get('titan_backup_last_success_timestamp_seconds{tier="configuration"}')).toBeGreaterThan(Date.now() / 1000 - 120);
    expect(m.get('titan_backup_interval_seconds{tier="tradingData"}')).toBe(86_400);

    // A later run in another process (here: another runner) adds to the totals instead of restarting them.
    await runTiers({ target, clock: systemClock, progress }, ["historicalAnalytics"]);
    const after = await scrape();
    expect(after.get('titan_backup_runs_total{outcome="succeeded",tier="historicalAnalytics"}')).toBe(2);
    expect(after.get('titan_backup_last_run_outcome_state{outcome="failed",tier="historicalAnalytics"}')).toBe(0);
  });
});
