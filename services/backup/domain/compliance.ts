// The daily compliance export as data: the day's trade records and audit log as JSON Lines, a manifest
// with SHA-256 checksums, each day's manifest chained to the previous day's, and the verification
// that finds a changed, missing or extra file, or a broken chain.
import { createHash } from "node:crypto";

export const MANIFEST_NAME = "manifest.json";

/** The files of one day's export, in the order they are written. */
export const EXPORT_FILES = {
  roundTrips: "execution-round-trips.jsonl",
  fills: "execution-fills.jsonl",
  auditEvents: "audit-events.jsonl",
} as const;

export interface ExportFile {
  readonly name: string;
  readonly rows: number;
  readonly bytes: number;
  readonly sha256: string;
}

export interface ExportManifest {
  readonly version: 1;
  readonly day: string;
  readonly createdAt: string;
  /** SHA-256 of the previous exported day's manifest file, null for the first day. */
  readonly previousManifestSha256: string | null;
  readonly files: readonly ExportFile[];
}

export const sha256Hex = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");

/** One JSON value per row, keys sorted, bytes as hex and big integers as strings: the same rows always give the same file. */
const canonical = (value: unknown): unknown => {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === "object") return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  if (typeof value === "number" && !Number.isFinite(value)) throw new Error(`cannot export a non-finite number (${value})`);
  return value;
};

export const toJsonLines = (rows: readonly Readonly<Record<string, unknown>>[]): string => rows.map((r) => `${JSON.stringify(canonical(r))}\n`).join("");

export const describeFile = (name: string, content: string | Uint8Array, rows: number): ExportFile => ({
  name,
  rows,
  bytes: typeof content === "string" ? Buffer.byteLength(content) : content.byteLength,
  sha256: sha256Hex(content),
});

export const renderManifest = (m: ExportManifest): string => `${JSON.stringify(m, null, 2)}\n`;

export const parseManifest = (text: string, where: string): ExportManifest => {
  let v: Partial<ExportManifest>;
  try {
    v = JSON.parse(text) as Partial<ExportManifest>;
  } catch (err) {
    throw new Error(`${where}: not JSON (${(err as Error).message})`, { cause: err });
  }
  if (v.version !== 1 || typeof v.day !== "string" || !Array.isArray(v.files)) throw new Error(`${where}: not an export manifest (version 1, day, files)`);
  for (const f of v.files) {
    if (typeof f?.name !== "string" || !/^[0-9a-f]{64}$/.test(String(f.sha256)) || typeof f.bytes !== "number") throw new Error(`${where}: malformed file entry ${JSON.stringify(f)}`);
  }
  return v as ExportManifest;
};

export interface StoredFile {
  readonly bytes: number;
  readonly sha256: string;
}

/** Differences between a manifest and what the store holds for that day; empty when intact. */
export const verifyDay = (manifest: ExportManifest, stored: ReadonlyMap<string, StoredFile>): string[] => {
  const problems: string[] = [];
  for (const f of manifest.files) {
    const got = stored.get(f.name);
    if (!got) problems.push(`${manifest.day}/${f.name}: missing`);
    else if (got.sha256 !== f.sha256) problems.push(`${manifest.day}/${f.name}: SHA-256 ${got.sha256} does not match the manifest's ${f.sha256}`);
    else if (got.bytes !== f.bytes) problems.push(`${manifest.day}/${f.name}: ${got.bytes} bytes, the manifest says ${f.bytes}`);
  }
  const listed = new Set(manifest.files.map((f) => f.name));
  for (const name of stored.keys()) if (!listed.has(name)) problems.push(`${manifest.day}/${name}: not in the manifest`);
  return problems;
};

export interface ChainLink {
  readonly day: string;
  readonly manifestSha256: string;
  readonly previousManifestSha256: string | null;
}

/**
 * Each manifest names its predecessor's checksum, so rewriting a file and its manifest still breaks
 * the next day's link; only the newest day can be replaced undetected, which the write-once store forbids.
 */
export const verifyChain = (links: readonly ChainLink[]): string[] => {
  const sorted = [...links].sort((a, b) => a.day.localeCompare(b.day));
  const problems: string[] = [];
  sorted.forEach((link, i) => {
    const expected = i === 0 ? null : sorted[i - 1]!.manifestSha256;
    if (i === 0 && link.previousManifestSha256 !== null) return; // older days may have aged out of the store
    if (link.previousManifestSha256 !== expected) {
      problems.push(`${link.day}/${MANIFEST_NAME}: names ${link.previousManifestSha256 ?? "no"} previous manifest, but ${sorted[i - 1]?.day ?? "none"}'s is ${expected ?? "absent"}`);
    }
  });
  return problems;
};
