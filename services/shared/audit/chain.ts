// The hash chain over audit rows, as pure functions: hashing a row, and finding the first row where a
// chain stops being the one that was written (an edited, deleted or reordered row).
import { createHash } from "node:crypto";
import { canonicalJson, type JsonValue } from "./canonical-json.js";

export const AUDIT_ACTOR_KINDS = ["operator", "service", "system"] as const;
export type AuditActorKind = (typeof AUDIT_ACTOR_KINDS)[number];

export interface AuditActor {
  readonly kind: AuditActorKind;
  readonly id: string;
  readonly name: string;
}

/** One audit row's content: everything the hash covers besides prev_hash. */
export interface AuditRecord {
  readonly seq: number;
  readonly id: string;
  readonly atMs: number;
  readonly actor: AuditActor;
  readonly service: string;
  readonly action: string;
  readonly target: string;
  readonly reason: string | null;
  readonly before: JsonValue | null;
  readonly after: JsonValue | null;
}

export interface ChainedAuditRecord extends AuditRecord {
  readonly prevHash: Buffer;
  readonly hash: Buffer;
}

/** prev_hash of the first row. */
export const GENESIS_HASH: Buffer = Buffer.alloc(32);

export type ChainProblem = "edited" | "deleted" | "reordered";
export type ChainVerdict =
  | { readonly ok: true; readonly rows: number }
  | { readonly ok: false; readonly seq: number; readonly problem: ChainProblem; readonly detail: string };

/** The hashed text of a row: fixed field names, `at` as an ISO-8601 UTC string with milliseconds. */
export const canonicalAuditRecord = (r: AuditRecord): string =>
  canonicalJson({
    seq: r.seq,
    id: r.id,
    at: new Date(r.atMs).toISOString(),
    actor: { kind: r.actor.kind, id: r.actor.id, name: r.actor.name },
    service: r.service,
    action: r.action,
    target: r.target,
    reason: r.reason,
    before: r.before,
    after: r.after,
  });

export const hashAuditRecord = (prevHash: Buffer, record: AuditRecord): Buffer =>
  createHash("sha256").update(prevHash).update(canonicalAuditRecord(record), "utf8").digest();

/** Links records (given in seq order) into a chain starting at `prevHash`. */
export const chainRecords = (records: readonly AuditRecord[], prevHash: Buffer = GENESIS_HASH): ChainedAuditRecord[] => {
  const chained: ChainedAuditRecord[] = [];
  let prev = prevHash;
  for (const record of records) {
    const hash = hashAuditRecord(prev, record);
    chained.push({ ...record, prevHash: prev, hash });
    prev = hash;
  }
  return chained;
};

/** Outcome of checking one row against the row before it. */
export type LinkFinding =
  | { readonly kind: "ok" }
  | { readonly kind: "problem"; readonly seq: number; readonly problem: ChainProblem; readonly detail: string }
  /** prev_hash does not name the row before: classify with the seq of the row it does name, if any. */
  | { readonly kind: "broken-link" };

const hex = (b: Buffer): string => b.toString("hex").slice(0, 16);

/**
 * Checks `row` as the successor of `prev` (null for the first row). Order matters: a missing seq is a
 * deletion; a prev_hash naming another row is a reorder (classified by the caller, which can look the
 * hash up); a row whose own hash does not match its content was edited.
 */
export const checkLink = (prev: ChainedAuditRecord | null, row: ChainedAuditRecord): LinkFinding => {
  const expectedSeq = prev === null ? 1 : prev.seq + 1;
  if (row.seq > expectedSeq) {
    const missing = row.seq === expectedSeq + 1 ? `seq ${expectedSeq} is` : `seqs ${expectedSeq}..${row.seq - 1} are`;
    return { kind: "problem", seq: expectedSeq, problem: "deleted", detail: `${missing} missing before seq ${row.seq}` };
  }
  if (row.seq < expectedSeq) {
    return { kind: "problem", seq: row.seq, problem: "reordered", detail: `seq ${row.seq} appears twice or out of order` };
  }
  if (!row.prevHash.equals(prev?.hash ?? GENESIS_HASH)) return { kind: "broken-link" };
  if (!hashAuditRecord(row.prevHash, row).equals(row.hash)) {
    return { kind: "problem", seq: row.seq, problem: "edited", detail: `seq ${row.seq}: content does not match its hash ${hex(row.hash)}…` };
  }
  return { kind: "ok" };
};

/**
 * Names the problem behind a broken link at `row`. `holderSeq` is the seq of the row whose hash equals
 * row.prevHash, or null when no row has it.
 */
export const classifyBrokenLink = (prev: ChainedAuditRecord | null, row: ChainedAuditRecord, holderSeq: number | null): Exclude<LinkFinding, { kind: "ok" } | { kind: "broken-link" }> => {
  if (holderSeq !== null) {
    return { kind: "problem", seq: row.seq, problem: "reordered", detail: `seq ${row.seq} follows seq ${holderSeq}'s hash, not seq ${row.seq - 1}'s` };
  }
  const rowIntact = hashAuditRecord(row.prevHash, row).equals(row.hash);
  const prevIntact = prev === null || hashAuditRecord(prev.prevHash, prev).equals(prev.hash);
  if (rowIntact && prevIntact && prev !== null) {
    // Both rows are self-consistent and adjacent: the previous row was rewritten and re-hashed.
    return { kind: "problem", seq: prev.seq, problem: "edited", detail: `seq ${prev.seq} was rewritten: seq ${row.seq} names a hash ${hex(row.prevHash)}… no row has` };
  }
  return { kind: "problem", seq: row.seq, problem: "deleted", detail: `seq ${row.seq} follows a row (hash ${hex(row.prevHash)}…) that is no longer in the log` };
};

/**
 * Verifies a whole chain held in memory. Rows are taken in seq order, as the table has no other order:
 * a reorder is rows exchanging their seqs.
 */
export const verifyChain = (rows: readonly ChainedAuditRecord[]): ChainVerdict => {
  const seqByHash = new Map(rows.map((r) => [r.hash.toString("hex"), r.seq]));
  let prev: ChainedAuditRecord | null = null;
  for (const row of [...rows].sort((a, b) => a.seq - b.seq)) {
    let finding = checkLink(prev, row);
    if (finding.kind === "broken-link") finding = classifyBrokenLink(prev, row, seqByHash.get(row.prevHash.toString("hex")) ?? null);
    if (finding.kind === "problem") return { ok: false, seq: finding.seq, problem: finding.problem, detail: finding.detail };
    prev = row;
  }
  return { ok: true, rows: rows.length };
};
