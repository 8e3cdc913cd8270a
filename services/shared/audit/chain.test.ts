import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chainRecords, hashAuditRecord, verifyChain, type AuditRecord, type ChainedAuditRecord } from "./chain.js";

const recordArb = fc.record({
  id: fc.uuid(),
  atMs: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  actor: fc.record({ kind: fc.constantFrom("operator" as const, "service" as const, "system" as const), id: fc.string({ minLength: 1 }), name: fc.string({ minLength: 1 }) }),
  service: fc.constantFrom("brain", "execution", "console"),
  action: fc.constantFrom("auth.token.create", "trading.halt", "config.activate"),
  target: fc.string({ minLength: 1 }),
  reason: fc.option(fc.string(), { nil: null }),
  before: fc.option(fc.jsonValue(), { nil: null }),
  after: fc.option(fc.jsonValue(), { nil: null }),
});

/** A chain of at least `min` rows, seq 1..n. */
const chainArb = (min: number) =>
  fc.array(recordArb, { minLength: min, maxLength: 12 }).map((rs) => chainRecords(rs.map((r, i) => ({ ...r, seq: i + 1 }) as AuditRecord)));

/** One content field changed to something different, hashes left as they were. */
const edit = (row: ChainedAuditRecord, field: number): ChainedAuditRecord => {
  switch (field % 6) {
    case 0:
      return { ...row, action: `${row.action}.x` };
    case 1:
      return { ...row, atMs: row.atMs + 1 };
    case 2:
      return { ...row, actor: { ...row.actor, name: `${row.actor.name}!` } };
    case 3:
      return { ...row, reason: row.reason === "tampered" ? "other" : "tampered" };
    case 4:
      return { ...row, after: { tampered: row.after } };
    default:
      return { ...row, target: `${row.target}?` };
  }
};

describe("audit hash chain", () => {
  it("verifies an untouched chain of any length", () => {
    fc.assert(fc.property(chainArb(0), (rows) => {
      expect(verifyChain(rows)).toEqual({ ok: true, rows: rows.length });
    }));
  });

  it("links each row to the previous row's hash, starting from 32 zero bytes", () => {
    fc.assert(
      fc.property(chainArb(1), (rows) => {
        expect(rows[0]?.prevHash.equals(Buffer.alloc(32))).toBe(true);
        rows.forEach((row, i) => {
          if (i > 0) expect(row.prevHash.equals(rows[i - 1]?.hash as Buffer)).toBe(true);
          expect(hashAuditRecord(row.prevHash, row).equals(row.hash)).toBe(true);
        });
      }),
    );
  });

  it("detects any single edited row, at that row", () => {
    fc.assert(
      fc.property(chainArb(1), fc.nat(), fc.nat(), (rows, at, field) => {
        const i = at % rows.length;
        const tampered = rows.map((r, j) => (j === i ? edit(r, field) : r));
        expect(verifyChain(tampered)).toMatchObject({ ok: false, seq: i + 1, problem: "edited" });
      }),
    );
  });

  it("detects an edited row even when its own hash was recomputed", () => {
    fc.assert(
      fc.property(chainArb(2), fc.nat(), (rows, at) => {
        const i = at % (rows.length - 1); // not the last row: the next row's link gives it away
        const row = rows[i] as ChainedAuditRecord;
        const rewritten = { ...row, reason: `${row.reason ?? ""}rewritten` };
        const tampered = rows.map((r, j) => (j === i ? { ...rewritten, hash: hashAuditRecord(row.prevHash, rewritten) } : r));
        expect(verifyChain(tampered)).toMatchObject({ ok: false, seq: i + 1, problem: "edited" });
      }),
    );
  });

  it("detects any single deleted row except the newest, whether or not the later rows are renumbered", () => {
    fc.assert(
      fc.property(chainArb(2), fc.nat(), fc.boolean(), (rows, at, renumber) => {
        const i = at % (rows.length - 1);
        const kept = rows.filter((_, j) => j !== i).map((r, j) => (renumber ? { ...r, seq: j + 1 } : r));
        expect(verifyChain(kept)).toMatchObject({ ok: false, seq: i + 1, problem: "deleted" });
      }),
    );
  });

  it("cannot see the newest row deleted: that needs the head recorded elsewhere", () => {
    fc.assert(fc.property(chainArb(1), (rows) => {
      expect(verifyChain(rows.slice(0, -1)).ok).toBe(true);
    }));
  });

  it("detects any two rows exchanging their places in the order", () => {
    fc.assert(
      fc.property(chainArb(2), fc.nat(), fc.nat(), (rows, a, b) => {
        const i = a % rows.length;
        const j = (i + 1 + (b % (rows.length - 1))) % rows.length; // j ≠ i
        const [lo, hi] = i < j ? [i, j] : [j, i];
        const swapped = rows.map((r, k) => (k === lo ? { ...(rows[hi] as ChainedAuditRecord), seq: lo + 1 } : k === hi ? { ...(rows[lo] as ChainedAuditRecord), seq: hi + 1 } : r));
        expect(verifyChain(swapped)).toMatchObject({ ok: false, seq: lo + 1, problem: "reordered" });
      }),
    );
  });

  it("takes rows in seq order whatever order they are handed in", () => {
    fc.assert(fc.property(chainArb(0), (rows) => {
      expect(verifyChain([...rows].reverse()).ok).toBe(true);
    }));
  });
});
