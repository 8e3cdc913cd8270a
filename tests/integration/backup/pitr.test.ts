// WAL archiving and point-in-time restore on a real cluster of this file's own (archive_mode needs a
// restart, which the shared test cluster must not get): archiving turned on idempotently, a base
// backup, writes on either side of a target time, a restore to that time and one to the latest point.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import getPort from "get-port";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startPostgres, stopPostgres } from "../../../scripts/lib/local-servers.js";
import { archiverStatus, ensureWalArchiving } from "../../../services/backup/adapters/postgres-archiving.js";
import { BackupRepository } from "../../../services/backup/adapters/repository.js";
import { resolveTarget, type BackupTarget } from "../../../services/backup/adapters/target.js";
import { renderArchiveCommand } from "../../../services/backup/domain/wal.js";
import { restore } from "../../../services/backup/restore.js";
import { runTiers } from "../../../services/backup/runner.js";
import { systemClock } from "../../../services/shared/clock.js";

let root: string;
let target: BackupTarget;
const lines: string[] = [];
const progress = (line: string): void => void lines.push(line);

const query = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> => {
  const client = new pg.Client({ connectionString: target.pgAdminUrl });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
};

/** Forces the current segment out and waits until the archiver has shipped it. */
const switchAndWaitArchived = async (): Promise<void> => {
  const [{ wal }] = (await query<{ wal: string }>("SELECT pg_walfile_name(pg_switch_wal()) AS wal")) as [{ wal: string }];
  for (let i = 0; i < 100; i++) {
    if ((await archiverStatus(target.pgAdminUrl)).lastArchivedWal === wal) return;
    await sleep(100);
  }
  throw new Error(`segment ${wal} was not archived`);
};

beforeAll(async () => {
  root = mkdtempSync(join(inject("scratchDir"), "backup-pitr-"));
  chmodSync(root, 0o755);
  const port = await getPort();
  const server = await startPostgres({ dataDir: join(root, "pg"), port, durable: true });
  const admin = new pg.Client({ connectionString: server.url("postgres") });
  await admin.connect();
  await admin.query("CREATE DATABASE titan");
  await admin.end();
  target = resolveTarget(root, undefined, { pgDataDir: server.dataDir, pgPort: port });
}, 60_000);

afterAll(() => {
  if (target) stopPostgres(target.pgDataDir, "immediate");
});

describe("continuous WAL archiving", () => {
  it("is turned on once (a restart for archive_mode) and left alone after", async () => {
    const first = await ensureWalArchiving({ adminUrl: target.pgAdminUrl, dataDir: target.pgDataDir, archiveDir: target.archiveDir });
    expect(first.changed).toEqual(expect.arrayContaining(["archive_mode", "archive_command", "archive_timeout"]));
    expect(first.restarted).toBe(true);
    const second = await ensureWalArchiving({ adminUrl: target.pgAdminUrl, dataDir: target.pgDataDir, archiveDir: target.archiveDir });
    expect(second).toEqual({ changed: [], restarted: false });
    const settings = await query<{ name: string; setting: string }>("SELECT name, setting FROM pg_settings WHERE name IN ('archive_mode', 'archive_timeout', 'wal_level') ORDER BY name");
    expect(settings).toEqual([
      { name: "archive_mode", setting: "on" },
      { name: "archive_timeout", setting: "30" },
      { name: "wal_level", setting: "replica" },
    ]);
    await query("CREATE TABLE drill (id serial PRIMARY KEY, note text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())");
    await switchAndWaitArchived();
    expect(new BackupRepository(target).walFiles().filter((f) => f.kind === "segment").length).toBeGreaterThan(0);
  });

  it("archives a segment twice only when it is the same segment, and refuses a different one under the same name", () => {
    const pgWal = join(root, "fake-wal");
    execFileSync("mkdir", ["-p", pgWal]);
    const name = "0000000900000000000000AA";
    writeFileSync(join(pgWal, name), "first content");
    const command = (): void => void execFileSync("sh", ["-c", renderArchiveCommand(target.archiveDir).replaceAll("%p", join(pgWal, name)).replaceAll("%f", name)]);
    command();
    command(); // PostgreSQL retries a segment it archived just before a crash: same content succeeds
    writeFileSync(join(pgWal, name), "other content");
    expect(command).toThrow();
    expect(readdirSync(target.archiveDir).filter((f) => f.startsWith(name))).toEqual([`${name}.gz`]);
    execFileSync("rm", ["-f", join(target.archiveDir, `${name}.gz`)]);
  });
});

describe("point-in-time restore", () => {
  let targetTime: string;

  it("takes a base backup that records its WAL range", async () => {
    const [result] = await runTiers({ target, clock: systemClock, progress }, ["tradingData"]);
    expect(result?.line.outcome, result?.line.detail).toBe("succeeded");
    const record = result!.record!;
    expect(record.files.map((f) => f.name)).toEqual(["backup_manifest", "base.tar.gz", "pg_wal.tar.gz"]);
    expect(record.wal?.timeline).toBe(1);
    expect(record.wal?.startSegno).toBeGreaterThan(0);
    expect(new BackupRepository(target).runs().map((r) => [r.tier, r.outcome])).toEqual([["tradingData", "succeeded"]]);
  });

  it("restores to a time between two writes: the earlier one is there, the later one is not", async () => {
    await query("INSERT INTO drill (note) VALUES ('before')");
    await sleep(1_100);
    targetTime = new Date().toISOString();
    await sleep(1_100);
    await query("INSERT INTO drill (note) VALUES ('after')");
    await switchAndWaitArchived();
    const report = await restore({ target, to: { kind: "time", atMs: Date.parse(targetTime) }, nowMs: Date.now(), force: true, restartServices: false, progress });
    expect(report.cluster?.replacedDir && existsSync(report.cluster.replacedDir)).toBe(true);
    expect((await query<{ note: string }>("SELECT note FROM drill ORDER BY id")).map((r) => r.note)).toEqual(["before"]);
    // Promoted (writable), and the recovery settings are gone again.
    await query("INSERT INTO drill (note) VALUES ('written after the restore')");
    expect(await query("SELECT name FROM pg_file_settings WHERE name LIKE 'recovery_target%' OR name = 'restore_command'")).toEqual([]);
  }, 120_000);

  it("restores to the latest point across the new timeline the first restore started", async () => {
    await switchAndWaitArchived();
    const report = await restore({ target, to: { kind: "latest" }, nowMs: Date.now() + 1, force: true, restartServices: false, progress });
    expect(report.plan.base.wal?.timeline).toBe(1);
    expect((await query<{ note: string }>("SELECT note FROM drill ORDER BY id")).map((r) => r.note)).toEqual(["before", "written after the restore"]);
  }, 120_000);

  it("refuses a target before the first base backup ended, and one in the future", async () => {
    await expect(restore({ target, to: { kind: "time", atMs: Date.parse("2020-01-01T00:00:00Z") }, nowMs: Date.now(), force: true, restartServices: false, progress })).rejects.toThrow(/no base backup had finished by 2020-01-01/);
  });
});
