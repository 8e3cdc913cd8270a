// Base backups (pg_basebackup: compressed tar, with the WAL it needs streamed alongside, so each one is
// restorable on its own) and logical dumps of a tier's schemas (pg_dump, custom format).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { WalPosition } from "../domain/records.js";
import { segnoOfLsn } from "../domain/wal.js";
import { pgBin, runProgram } from "./exec.js";

/** The replication connection pg_basebackup needs (the stack's pg_hba.conf allows it for postgres on loopback). */
const replicationUrl = (port: number): string => `postgres://postgres@127.0.0.1:${port}/`;

interface BackupManifestJson {
  readonly "WAL-Ranges"?: ReadonlyArray<{ readonly Timeline: number; readonly "Start-LSN": string; readonly "End-LSN": string }>;
}

/** Where in the WAL a base backup starts and ends, from the backup_manifest pg_basebackup writes. */
export const walPositionOf = (manifestText: string): WalPosition => {
  const ranges = (JSON.parse(manifestText) as BackupManifestJson)["WAL-Ranges"];
  const first = ranges?.[0];
  const last = ranges?.at(-1);
  if (!first || !last) throw new Error("backup_manifest has no WAL-Ranges");
  return { timeline: last.Timeline, startLsn: first["Start-LSN"], startSegno: segnoOfLsn(first["Start-LSN"]), endLsn: last["End-LSN"] };
};

export const takeBaseBackup = async (opts: { port: number; dir: string; label: string; onProgress?: (line: string) => void }): Promise<WalPosition> => {
  await runProgram(
    pgBin("pg_basebackup"),
    ["-d", replicationUrl(opts.port), "-D", opts.dir, "-Ft", "-z", "-X", "stream", "--checkpoint=fast", "-l", opts.label, "--manifest-checksums=SHA256", "-P"],
    opts.onProgress ? { onLine: opts.onProgress } : {},
  );
  return walPositionOf(readFileSync(join(opts.dir, "backup_manifest"), "utf8"));
};

/** One custom-format dump per schema, so a single schema can be restored without the others. */
export const dumpSchemas = async (opts: { adminUrl: string; schemas: readonly string[]; dir: string; onProgress?: (line: string) => void }): Promise<void> => {
  if (opts.schemas.length === 0) throw new Error("no schemas to dump");
  for (const schema of opts.schemas) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`refusing to dump schema ${JSON.stringify(schema)}: not a plain identifier`);
    opts.onProgress?.(`dumping schema ${schema}`);
    await runProgram(pgBin("pg_dump"), ["-d", opts.adminUrl, "-Fc", "-Z", "6", "-n", schema, "-f", join(opts.dir, `${schema}.dump`)]);
  }
};

/**
 * Restores one schema from its dump into the running cluster, replacing what is there (`--clean`),
 * in one transaction: a failed restore leaves the schema as it was.
 */
export const restoreSchema = async (opts: { adminUrl: string; dumpFile: string; schema: string }): Promise<void> => {
  await runProgram(pgBin("pg_restore"), ["-d", opts.adminUrl, "--clean", "--if-exists", "--single-transaction", "-n", opts.schema, opts.dumpFile]);
};
