// The daily compliance export against a provisioned database with execution migrated: the day's closed
// round trips, fills and audit events, written once and read-only, and `titanctl export verify`
// catching a tampered file, a rewritten manifest and a file made writable again.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dayPrefix, exportDay, verifyExports } from "../../../services/backup/adapters/compliance-export.js";
import { LocalWormStore, ObjectExistsError } from "../../../services/backup/adapters/worm-store.js";
import { roleFor } from "../../../services/shared/db/provision.js";
import { migrateService } from "../../../services/shared/db/provision.js";
import { repoRoot } from "../../support/child-process.js";
import { provisionTestDatabase } from "../../support/service-env.js";
import { withTestDatabase, type TestDatabase } from "../../support/test-database.js";

const DAY = "2026-03-04";
const T = Date.UTC(2026, 2, 4, 10);
let db: TestDatabase;
let store: LocalWormStore;
let dir: string;

const verifyCli = (): { code: number; output: string } => {
  const res = spawnSync(process.execPath, [join(repoRoot, "bin", "titanctl.mjs"), "export", "verify", "--compliance-dir", dir], { encoding: "utf8", cwd: repoRoot, timeout: 60_000 });
  return { code: res.status ?? -1, output: `${res.stdout}${res.stderr}` };
};

const fill = (id: string, recordedMs: number) => [id, "00000000-0000-4000-8000-000000000001", `coid-${id}`, "BTCUSDT", "buy", 0.01, 50_000, 0.3, "taker", "stream", recordedMs - 5, recordedMs];

beforeAll(async () => {
  db = await withTestDatabase("backup_compliance");
  await provisionTestDatabase(db);
  const url = new URL(db.url);
  url.username = roleFor("execution");
  await migrateService("execution", url.toString());
  const insertFill = "INSERT INTO execution.fills (fill_id, report_id, client_order_id, symbol, side, qty, price_usd, fee_usd, liquidity, source, venue_ts_ms, recorded_at_ms) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)";
  for (const [id, ms] of [["f-prev-day", T - 86_400_000], ["f-1", T], ["f-2", T + 60_000], ["f-next-day", T + 86_400_000]] as const) await db.pool.query(insertFill, fill(id, ms));
  await db.pool.query(
    `INSERT INTO execution.round_trips (trip_id, symbol, side, opened_by_client_order_id, opening_fill_id, opened_at_ms, entry_qty, entry_notional_usd, exit_qty, exit_notional_usd, fees_usd, realised_at_open_usd, closing_fill_id, closed_at_ms, realised_pnl_usd)
     VALUES ('00000000-0000-4000-8000-0000000000a1', 'BTCUSDT', 'long', 'coid-f-1', 'f-1', $1, 0.01, 500, 0.01, 510, 0.6, 0, 'f-2', $2, 9.4),
            ('00000000-0000-4000-8000-0000000000a2', 'ETHUSDT', 'long', 'coid-x', 'f-x', $1, 0.1, 300, 0, 0, 0.1, 0, NULL, NULL, NULL)`,
    [T, T + 60_000],
  );
  const hash = (n: number) => Buffer.alloc(32, n);
  await db.pool.query(
    `INSERT INTO audit.events (seq, id, at, actor_kind, actor_id, actor_name, service, action, target, reason, before, after, prev_hash, hash)
     VALUES (1, '00000000-0000-4000-8000-0000000000e1', to_timestamp($1 / 1000.0), 'operator', 'u1', 'ops', 'console', 'halt', 'trading', 'drill', NULL, '{"state":"HALTED"}', $2, $3)`,
    [T + 120_000, hash(0), hash(1)],
  );
  dir = mkdtempSync(join(inject("scratchDir"), "compliance-"));
  store = new LocalWormStore(dir);
});

afterAll(() => {
  // The export is read-only on purpose; make it removable for the suite's cleanup.
  spawnSync("chmod", ["-R", "u+w", dir]);
});

describe("the daily compliance export", () => {
  it("writes the day's closed round trips, fills and audit events, read-only, with a manifest", async () => {
    const result = await exportDay({ adminUrl: db.url, store, day: DAY, nowMs: T + 2 * 86_400_000 });
    expect(result.alreadyExported).toBe(false);
    expect(result.manifest.files.map((f) => [f.name.split("/")[1], f.rows])).toEqual([
      ["execution-round-trips.jsonl", 1],
      ["execution-fills.jsonl", 2],
      ["audit-events.jsonl", 1],
    ]);
    const objects = await store.list(`${dayPrefix(DAY)}/`);
    expect(objects).toHaveLength(4);
    for (const o of objects) expect(statSync(join(dir, o.key)).mode & 0o777, o.key).toBe(0o444);
    const fills = readFileSync(join(dir, dayPrefix(DAY), result.manifest.files[1]!.name), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { fill_id: string });
    expect(fills.map((f) => f.fill_id)).toEqual(["f-1", "f-2"]);
    expect(readFileSync(join(dir, dayPrefix(DAY), result.manifest.files[2]!.name), "utf8")).toContain(`"hash":"${"01".repeat(32)}"`);
  });

  it("never rewrites an exported day, and refuses a day that has not ended", async () => {
    const again = await exportDay({ adminUrl: db.url, store, day: DAY, nowMs: T + 3 * 86_400_000 });
    expect(again.alreadyExported).toBe(true);
    await expect(store.putOnce(`${dayPrefix(DAY)}/manifest.json`, Buffer.from("{}"))).rejects.toBeInstanceOf(ObjectExistsError);
    await expect(exportDay({ adminUrl: db.url, store, day: DAY, nowMs: T })).rejects.toThrow(/has not ended yet/);
  });

  it("chains the next day's manifest to this one", async () => {
    const next = await exportDay({ adminUrl: db.url, store, day: "2026-03-05", nowMs: T + 3 * 86_400_000 });
    expect(next.manifest.previousManifestSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await verifyExports(store)).toMatchObject({ days: [DAY, "2026-03-05"], files: 6, problems: [] });
    const cli = verifyCli();
    expect(cli.code, cli.output).toBe(0);
    expect(cli.output).toMatch(/intact: 2 days, 6 files checked/);
  });
});

describe("titanctl export verify", () => {
  it("catches a file changed behind the store's back, and a file made writable", async () => {
    const manifest = JSON.parse(readFileSync(join(dir, dayPrefix(DAY), "manifest.json"), "utf8")) as { files: Array<{ name: string }> };
    const victim = join(dir, dayPrefix(DAY), manifest.files[1]!.name);
    const original = readFileSync(victim, "utf8");
    chmodSync(victim, 0o644);
    writeFileSync(victim, original.replace('"qty":0.01', '"qty":0.02'));
    const cli = verifyCli();
    expect(cli.code, cli.output).toBe(1);
    expect(cli.output).toMatch(/PROBLEM: 2026-03-04\/.*execution-fills.jsonl: SHA-256 [0-9a-f]{64} does not match/);
    expect(cli.output).toMatch(/PROBLEM: trade-records\/2026\/03\/04\/.*execution-fills.jsonl: writable/);
    writeFileSync(victim, original);
    chmodSync(victim, 0o444);
    expect(verifyCli().code).toBe(0);
  });

  it("catches a manifest rewritten to match a tampered file, through the next day's link", async () => {
    const manifestFile = join(dir, dayPrefix(DAY), "manifest.json");
    const text = readFileSync(manifestFile, "utf8");
    chmodSync(manifestFile, 0o644);
    writeFileSync(manifestFile, text.replace('"createdAt": "', '"createdAt": "1'));
    chmodSync(manifestFile, 0o444);
    const cli = verifyCli();
    expect(cli.code, cli.output).toBe(1);
    expect(cli.output).toMatch(/PROBLEM: 2026-03-05\/manifest.json: names [0-9a-f]{64} previous manifest, but 2026-03-04's is [0-9a-f]{64}/);
  });
});
