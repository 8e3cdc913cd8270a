// The daily compliance export: the day's closed round trips, fills and audit events, read from
// PostgreSQL, written to write-once storage as JSON Lines with a manifest of SHA-256 checksums; and
// the verifier that re-reads the store and checks every file and the chain of manifests.
import pg from "pg";
import {
  EXPORT_FILES,
  MANIFEST_NAME,
  describeFile,
  parseManifest,
  renderManifest,
  sha256Hex,
  toJsonLines,
  verifyChain,
  verifyDay,
  type ExportFile,
  type ExportManifest,
  type StoredFile,
} from "../domain/compliance.js";
import { stampOf } from "../domain/records.js";
import { dayWindowMs } from "../domain/schedule.js";
import type { WormStore } from "./worm-store.js";

export const EXPORT_PREFIX = "trade-records";

/** `trade-records/2026/01/02`: one folder per day, sorted by date. */
export const dayPrefix = (day: string): string => `${EXPORT_PREFIX}/${day.replaceAll("-", "/")}`;
const dayOfKey = (key: string): string | undefined => /^trade-records\/(\d{4})\/(\d{2})\/(\d{2})\//.exec(key)?.slice(1, 4).join("-");

const QUERIES: ReadonlyArray<{ readonly file: string; readonly sql: string }> = [
  { file: EXPORT_FILES.roundTrips, sql: "SELECT * FROM execution.round_trips WHERE closed_at_ms >= $1 AND closed_at_ms < $2 ORDER BY closed_at_ms, trip_id" },
  { file: EXPORT_FILES.fills, sql: "SELECT * FROM execution.fills WHERE recorded_at_ms >= $1 AND recorded_at_ms < $2 ORDER BY recorded_at_ms, fill_id" },
  { file: EXPORT_FILES.auditEvents, sql: "SELECT * FROM audit.events WHERE at >= to_timestamp($1::bigint / 1000.0) AND at < to_timestamp($2::bigint / 1000.0) ORDER BY seq" },
];

export interface ExportResult {
  readonly manifestKey: string;
  readonly manifest: ExportManifest;
  readonly alreadyExported: boolean;
}

export const exportedDays = async (store: WormStore): Promise<Set<string>> =>
  new Set((await store.list(`${EXPORT_PREFIX}/`)).filter((o) => o.key.endsWith(`/${MANIFEST_NAME}`)).map((o) => dayOfKey(o.key)).filter((d): d is string => d !== undefined));

/**
 * Exports one closed UTC day. The files go under an attempt folder named by the export's start, the
 * manifest (naming them) is written last: an attempt that dies midway leaves files no manifest names,
 * which the write-once store cannot take back, and the next attempt writes beside them.
 */
export const exportDay = async (opts: { adminUrl: string; store: WormStore; day: string; nowMs: number; onProgress?: (line: string) => void }): Promise<ExportResult> => {
  const { fromMs, toMs } = dayWindowMs(opts.day);
  if (toMs > opts.nowMs) throw new Error(`day ${opts.day} has not ended yet (it ends at ${new Date(toMs).toISOString()})`);
  const prefix = dayPrefix(opts.day);
  const manifestKey = `${prefix}/${MANIFEST_NAME}`;
  const existing = (await opts.store.list(`${prefix}/`)).find((o) => o.key === manifestKey);
  if (existing) return { manifestKey, manifest: parseManifest(Buffer.from(await opts.store.get(manifestKey)).toString("utf8"), manifestKey), alreadyExported: true };

  const client = new pg.Client({ connectionString: opts.adminUrl });
  await client.connect();
  const contents: Array<{ name: string; body: string; rows: number }> = [];
  try {
    // One snapshot for the three reads, so fills and round trips agree with each other.
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    for (const q of QUERIES) {
      const { rows } = await client.query(q.sql, [fromMs, toMs]);
      contents.push({ name: q.file, body: toJsonLines(rows), rows: rows.length });
      opts.onProgress?.(`${q.file}: ${rows.length} rows`);
    }
    await client.query("COMMIT");
  } finally {
    await client.end();
  }
  const attempt = stampOf(opts.nowMs);
  const files: ExportFile[] = [];
  for (const c of contents) {
    const name = `${attempt}/${c.name}`;
    await opts.store.putOnce(`${prefix}/${name}`, Buffer.from(c.body));
    files.push(describeFile(name, c.body, c.rows));
  }
  const previous = [...(await exportedDays(opts.store))].filter((d) => d < opts.day).sort().at(-1);
  const previousManifestSha256 = previous ? sha256Hex(await opts.store.get(`${dayPrefix(previous)}/${MANIFEST_NAME}`)) : null;
  const manifest: ExportManifest = { version: 1, day: opts.day, createdAt: new Date(opts.nowMs).toISOString(), previousManifestSha256, files };
  await opts.store.putOnce(manifestKey, Buffer.from(renderManifest(manifest)));
  return { manifestKey, manifest, alreadyExported: false };
};

export interface VerifyReport {
  readonly days: readonly string[];
  readonly files: number;
  readonly problems: readonly string[];
  /** Files of attempts that never wrote their manifest: not tampering, but worth a look. */
  readonly warnings: readonly string[];
}

/** Re-reads every exported day from the store and checks it against its manifest and the chain. */
export const verifyExports = async (store: WormStore, opts: { from?: string; to?: string; extraChecks?: (keys: string[]) => string[] } = {}): Promise<VerifyReport> => {
  const objects = await store.list(`${EXPORT_PREFIX}/`);
  const days = [...new Set(objects.map((o) => dayOfKey(o.key)).filter((d): d is string => d !== undefined))]
    .filter((d) => (!opts.from || d >= opts.from) && (!opts.to || d <= opts.to))
    .sort();
  const problems: string[] = [];
  const warnings: string[] = [];
  const links = [];
  let files = 0;
  for (const day of days) {
    const prefix = `${dayPrefix(day)}/`;
    const manifestKey = `${prefix}${MANIFEST_NAME}`;
    const inDay = objects.filter((o) => o.key.startsWith(prefix) && o.key !== manifestKey);
    if (!objects.some((o) => o.key === manifestKey)) {
      warnings.push(`${day}: files without a manifest (an export that did not finish): ${inDay.map((o) => o.key.slice(prefix.length)).join(", ")}`);
      continue;
    }
    const manifestBytes = await store.get(manifestKey);
    let manifest: ExportManifest;
    try {
      manifest = parseManifest(Buffer.from(manifestBytes).toString("utf8"), manifestKey);
    } catch (err) {
      problems.push((err as Error).message);
      continue;
    }
    if (manifest.day !== day) problems.push(`${manifestKey}: says day ${manifest.day}`);
    const attempts = new Set(manifest.files.map((f) => f.name.split("/")[0]));
    const stored = new Map<string, StoredFile>();
    for (const o of inDay) {
      const name = o.key.slice(prefix.length);
      if (!attempts.has(name.split("/")[0])) {
        warnings.push(`${day}/${name}: left by an export attempt that did not finish`);
        continue;
      }
      const body = await store.get(o.key);
      stored.set(name, { bytes: body.byteLength, sha256: sha256Hex(body) });
      files += 1;
    }
    problems.push(...verifyDay(manifest, stored));
    links.push({ day, manifestSha256: sha256Hex(manifestBytes), previousManifestSha256: manifest.previousManifestSha256 });
  }
  problems.push(...verifyChain(links));
  if (opts.extraChecks) problems.push(...opts.extraChecks(objects.map((o) => o.key)));
  return { days, files, problems, warnings };
};
