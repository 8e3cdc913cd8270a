// The backup repository on disk:
//   <backupDir>/<tier>/<id>/          one backup: its files and backup.json (the record)
//   <backupDir>/<tier>/.<id>.partial/ a backup being written (renamed into place when complete)
//   <backupDir>/wal/                  the WAL archive, written by PostgreSQL's archive_command
//   <backupDir>/runs.jsonl            one line per run, never pruned: the metrics' counters
//   <backupDir>/run.lock              held while a run or a restore works
import { createHash } from "node:crypto";
import { appendFileSync, closeSync, createReadStream, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { parseRunLogLine, type BackupFile, type BackupRecord, type RunLogLine } from "../domain/records.js";
import { BACKUP_TIERS, type BackupTier } from "../domain/tiers.js";
import { ARCHIVE_SUFFIX, parseWalFileName, type WalFile } from "../domain/wal.js";
import { chownToPostgres } from "./exec.js";
import type { BackupTarget } from "./target.js";

const RECORD = "backup.json";

export const sha256File = (file: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(file)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });

/** Every regular file under `dir`, with size and SHA-256, names relative to `dir`. */
export const describeFiles = async (dir: string): Promise<BackupFile[]> => {
  const names = readdirSync(dir, { recursive: true }).map(String).filter((n) => statSync(join(dir, n)).isFile()).sort();
  return Promise.all(names.map(async (name) => ({ name, bytes: statSync(join(dir, name)).size, sha256: await sha256File(join(dir, name)) })));
};

export class BackupRepository {
  constructor(readonly target: Pick<BackupTarget, "backupDir" | "archiveDir">) {}

  get runLogFile(): string {
    return join(this.target.backupDir, "runs.jsonl");
  }

  /** Creates the folders; the WAL archive belongs to the postgres user, who writes it. */
  ensure(): void {
    mkdirSync(this.target.backupDir, { recursive: true, mode: 0o755 });
    if (!existsSync(this.target.archiveDir)) {
      mkdirSync(this.target.archiveDir, { mode: 0o750 });
      chownToPostgres(this.target.archiveDir);
    }
  }

  backupPath(tier: BackupTier, id: string): string {
    return join(this.target.backupDir, tier, id);
  }

  /** A fresh folder to write a backup into; committed by `commit`, removed by `discard`. */
  begin(tier: BackupTier, id: string): string {
    const dir = join(this.target.backupDir, tier, `.${id}.partial`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  commit(partialDir: string, record: BackupRecord): void {
    writeFileSync(join(partialDir, RECORD), `${JSON.stringify(record, null, 2)}\n`);
    const final = this.backupPath(record.tier, record.id);
    if (existsSync(final)) throw new Error(`backup ${record.id} already exists at ${final}`);
    renameSync(partialDir, final);
  }

  discard(partialDir: string): void {
    rmSync(partialDir, { recursive: true, force: true });
  }

  records(tier?: BackupTier): BackupRecord[] {
    const tiers = tier ? [tier] : [...BACKUP_TIERS];
    return tiers
      .flatMap((t) => {
        const dir = join(this.target.backupDir, t);
        if (!existsSync(dir)) return [];
        return readdirSync(dir)
          .filter((id) => !id.startsWith(".") && existsSync(join(dir, id, RECORD)))
          .map((id) => JSON.parse(readFileSync(join(dir, id, RECORD), "utf8")) as BackupRecord);
      })
      .sort((a, b) => a.startedMs - b.startedMs);
  }

  record(id: string): BackupRecord {
    const found = this.records().find((r) => r.id === id);
    if (!found) throw new Error(`no backup ${id} in ${this.target.backupDir}`);
    return found;
  }

  delete(record: BackupRecord): void {
    rmSync(this.backupPath(record.tier, record.id), { recursive: true, force: true });
  }

  appendRun(line: RunLogLine): void {
    appendFileSync(this.runLogFile, `${JSON.stringify(line)}\n`);
  }

  runs(): RunLogLine[] {
    if (!existsSync(this.runLogFile)) return [];
    return readFileSync(this.runLogFile, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l, i) => {
        try {
          return parseRunLogLine(l);
        } catch (err) {
          throw new Error(`${this.runLogFile} line ${i + 1}: ${(err as Error).message}`, { cause: err });
        }
      });
  }

  /** The archive's WAL files (names without the compression suffix). */
  walFiles(): WalFile[] {
    if (!existsSync(this.target.archiveDir)) return [];
    return readdirSync(this.target.archiveDir)
      .filter((n) => n.endsWith(ARCHIVE_SUFFIX))
      .map((n) => parseWalFileName(n.slice(0, -ARCHIVE_SUFFIX.length)))
      .filter((f): f is WalFile => f !== undefined);
  }

  walBytes(): number {
    if (!existsSync(this.target.archiveDir)) return 0;
    return readdirSync(this.target.archiveDir).reduce((sum, n) => sum + statSync(join(this.target.archiveDir, n)).size, 0);
  }

  /** Deletes archived segments (and backup labels) below `floorSegno`; history files always stay. */
  deleteWalBelow(floorSegno: number): number {
    let deleted = 0;
    for (const f of this.walFiles()) {
      if (f.kind !== "history" && f.segno < floorSegno) {
        rmSync(join(this.target.archiveDir, `${f.name}${ARCHIVE_SUFFIX}`), { force: true });
        deleted += 1;
      }
    }
    return deleted;
  }

  /**
   * One run at a time per repository (the scheduler and a run by hand never overlap): an exclusive
   * lock file holding the pid; a lock left by a dead process is taken over.
   */
  lock(what: string): () => void {
    mkdirSync(this.target.backupDir, { recursive: true });
    const file = join(this.target.backupDir, "run.lock");
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, "wx");
        writeSync(fd, `${process.pid} ${what}\n`);
        closeSync(fd);
        return () => rmSync(file, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        const [pid, ...rest] = readFileSync(file, "utf8").trim().split(" ");
        if (isAlive(Number(pid))) throw new Error(`another backup run holds ${file}: pid ${pid} (${rest.join(" ")})`, { cause: err });
        rmSync(file, { force: true });
      }
    }
    throw new Error(`could not take ${file}`);
  }
}

const isAlive = (pid: number): boolean => {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
