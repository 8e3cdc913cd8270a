// WAL file names and the archive's shell commands. PostgreSQL names a segment TTTTTTTTLLLLLLLLSSSSSSSS
// (timeline, then the segment number split in two); with 16 MiB segments a "log" holds 256 of them.

export const WAL_SEGMENT_BYTES = 16 * 1024 * 1024;
const SEGMENTS_PER_LOG = 0x1_0000_0000 / WAL_SEGMENT_BYTES;

/** Suffix of every file in the archive: segments are gzip'd (a segment switched early is mostly zeros). */
export const ARCHIVE_SUFFIX = ".gz";

export type WalFile =
  | { readonly kind: "segment"; readonly name: string; readonly timeline: number; readonly segno: number }
  /** The last, incomplete segment of a timeline that ended at a promotion. */
  | { readonly kind: "partial"; readonly name: string; readonly timeline: number; readonly segno: number }
  | { readonly kind: "history"; readonly name: string; readonly timeline: number }
  /** A backup history file, `<segment>.<offset>.backup`, written when a base backup ends. */
  | { readonly kind: "backup-label"; readonly name: string; readonly timeline: number; readonly segno: number };

const HEX8 = "([0-9A-F]{8})";
const SEGMENT = new RegExp(`^${HEX8}${HEX8}${HEX8}$`);
const PARTIAL = new RegExp(`^${HEX8}${HEX8}${HEX8}\\.partial$`);
const BACKUP_LABEL = new RegExp(`^${HEX8}${HEX8}${HEX8}\\.[0-9A-F]{8}\\.backup$`);
const HISTORY = new RegExp(`^${HEX8}\\.history$`);

const hex = (s: string | undefined): number => Number.parseInt(s ?? "", 16);

const segnoOf = (log: string | undefined, seg: string | undefined): number => {
  const segInLog = hex(seg);
  if (segInLog >= SEGMENTS_PER_LOG) return Number.NaN;
  return hex(log) * SEGMENTS_PER_LOG + segInLog;
};

/** Parses a WAL file name (without the archive suffix); undefined for anything else. */
export const parseWalFileName = (name: string): WalFile | undefined => {
  let m = SEGMENT.exec(name);
  if (m) {
    const segno = segnoOf(m[2], m[3]);
    return Number.isNaN(segno) ? undefined : { kind: "segment", name, timeline: hex(m[1]), segno };
  }
  m = PARTIAL.exec(name);
  if (m) {
    const segno = segnoOf(m[2], m[3]);
    return Number.isNaN(segno) ? undefined : { kind: "partial", name, timeline: hex(m[1]), segno };
  }
  m = BACKUP_LABEL.exec(name);
  if (m) {
    const segno = segnoOf(m[2], m[3]);
    return Number.isNaN(segno) ? undefined : { kind: "backup-label", name, timeline: hex(m[1]), segno };
  }
  m = HISTORY.exec(name);
  return m ? { kind: "history", name, timeline: hex(m[1]) } : undefined;
};

const hex8 = (n: number): string => n.toString(16).toUpperCase().padStart(8, "0");

export const walSegmentName = (timeline: number, segno: number): string => {
  const validSegno = Number.isSafeInteger(segno) && segno >= 0 && segno < SEGMENTS_PER_LOG * 0x1_0000_0000;
  if (!validSegno || !Number.isInteger(timeline) || timeline < 1 || timeline > 0xffff_ffff) throw new Error(`walSegmentName: bad timeline ${timeline} or segment ${segno}`);
  return `${hex8(timeline)}${hex8(Math.floor(segno / SEGMENTS_PER_LOG))}${hex8(segno % SEGMENTS_PER_LOG)}`;
};

/** The segment holding an LSN written as PostgreSQL prints it, `16/B374D848`. */
export const segnoOfLsn = (lsn: string): number => {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn.trim());
  if (!m) throw new Error(`not an LSN: ${JSON.stringify(lsn)}`);
  return Math.floor((hex(m[1]!.toUpperCase()) * 0x1_0000_0000 + hex(m[2]!.toUpperCase())) / WAL_SEGMENT_BYTES);
};

export interface WalCoverage {
  /** First segment recovery needs (the base backup's start). */
  readonly fromSegno: number;
  /** Last segment reachable without a hole; fromSegno − 1 when even the first is missing. */
  readonly contiguousToSegno: number;
  /** Newest segment in the archive. */
  readonly newestSegno: number;
  /** Segments missing between fromSegno and newestSegno (capped at 20 for messages). */
  readonly missing: readonly number[];
}

/**
 * Which segments recovery from `fromSegno` can replay. Timelines are not told apart: after a promotion
 * the new timeline continues the segment numbers, and PostgreSQL follows the history files itself.
 */
export const walCoverage = (files: readonly WalFile[], fromSegno: number): WalCoverage => {
  const present = new Set<number>();
  for (const f of files) if (f.kind === "segment" || f.kind === "partial") present.add(f.segno);
  const newestSegno = Math.max(fromSegno - 1, ...present);
  let contiguousToSegno = fromSegno - 1;
  while (present.has(contiguousToSegno + 1)) contiguousToSegno += 1;
  const missing: number[] = [];
  for (let s = contiguousToSegno + 1; s <= newestSegno && missing.length < 20; s++) if (!present.has(s)) missing.push(s);
  return { fromSegno, contiguousToSegno, newestSegno, missing };
};

/** Single-quoted for /bin/sh: PostgreSQL runs archive and restore commands through the shell. */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Inside a GUC string PostgreSQL doubles single quotes; `%` is its placeholder and must be `%%`. */
export const gucString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

const assertPlainDir = (dir: string): void => {
  if (!dir.startsWith("/") || /[%\n\0]/.test(dir)) throw new Error(`archive directory must be an absolute path without %, newline or NUL: ${JSON.stringify(dir)}`);
};

/**
 * archive_command: compress into a temporary name, fsync, rename, fsync the folder, so a crash never
 * leaves a half-written segment under its real name. A segment already archived with the same content
 * succeeds again (PostgreSQL retries after a crash between archiving and recording it); different
 * content fails, so a second cluster writing to the same archive is caught instead of overwriting it.
 */
export const renderArchiveCommand = (archiveDir: string): string => {
  assertPlainDir(archiveDir);
  const dir = shellQuote(archiveDir);
  const target = shellQuote(`${archiveDir}/`) + `"%f"${ARCHIVE_SUFFIX}`;
  return [
    `if [ -f ${target} ]; then gzip -dc ${target} | cmp -s - "%p";`,
    `else gzip -1 -c "%p" > ${target}.tmp && sync ${target}.tmp && mv ${target}.tmp ${target} && sync ${dir}; fi`,
  ].join(" ");
};

/** restore_command: fails (so recovery ends) when the archive has no such file. */
export const renderRestoreCommand = (archiveDir: string): string => {
  assertPlainDir(archiveDir);
  const source = shellQuote(`${archiveDir}/`) + `"%f"${ARCHIVE_SUFFIX}`;
  return `[ -f ${source} ] && gzip -dc ${source} > "%p"`;
};
