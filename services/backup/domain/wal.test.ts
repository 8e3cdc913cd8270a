import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gucString, parseWalFileName, renderArchiveCommand, renderRestoreCommand, segnoOfLsn, walCoverage, walSegmentName, type WalFile } from "./wal.js";

const segment = (segno: number, timeline = 1): WalFile => parseWalFileName(walSegmentName(timeline, segno))!;

describe("WAL file names", () => {
  it("round-trip every timeline and segment number", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xffff }), fc.integer({ min: 0, max: 2 ** 40 - 1 }), (timeline, segno) => {
        expect(parseWalFileName(walSegmentName(timeline, segno))).toEqual({ kind: "segment", name: walSegmentName(timeline, segno), timeline, segno });
      }),
    );
  });

  it("reads PostgreSQL's names: 256 segments of 16 MiB to a log file", () => {
    expect(walSegmentName(1, 0x100)).toBe("000000010000000100000000");
    expect(() => walSegmentName(1, 2 ** 40)).toThrow(/bad timeline 1 or segment/);
    expect(parseWalFileName("0000000200000001000000FF")).toMatchObject({ kind: "segment", timeline: 2, segno: 0x1ff });
    expect(parseWalFileName("00000002.history")).toEqual({ kind: "history", name: "00000002.history", timeline: 2 });
    expect(parseWalFileName("000000010000000000000003.partial")).toMatchObject({ kind: "partial", segno: 3 });
    expect(parseWalFileName("000000010000000000000002.00000028.backup")).toMatchObject({ kind: "backup-label", segno: 2 });
    for (const bad of ["000000010000000000000100", "00000001000000000000000", "archive_status", "00000001000000000000000g", "x.history"]) expect(parseWalFileName(bad), bad).toBeUndefined();
  });

  it("finds the segment of an LSN", () => {
    expect(segnoOfLsn("0/2000028")).toBe(2);
    expect(segnoOfLsn("16/B374D848")).toBe(0x16 * 256 + 0xb3);
    expect(() => segnoOfLsn("16-B374")).toThrow(/not an LSN/);
  });
});

describe("WAL coverage after a base backup", () => {
  it("is contiguous up to the first hole and lists what is missing", () => {
    const files = [3, 4, 5, 7, 8].map((s) => segment(s));
    expect(walCoverage(files, 3)).toEqual({ fromSegno: 3, contiguousToSegno: 5, newestSegno: 8, missing: [6] });
    expect(walCoverage(files, 9)).toEqual({ fromSegno: 9, contiguousToSegno: 8, newestSegno: 8, missing: [] });
  });

  it("follows a promotion onto the next timeline", () => {
    expect(walCoverage([segment(3), segment(4), segment(5, 2), segment(6, 2)], 3)).toMatchObject({ contiguousToSegno: 6, missing: [] });
  });

  it("never reports a hole when every segment from the start is there", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 50 }), (from, count) => {
        const files = Array.from({ length: count }, (_, i) => segment(from + i));
        const c = walCoverage(fc.sample(fc.shuffledSubarray(files, { minLength: files.length }), 1)[0]!, from);
        expect(c.missing).toEqual([]);
        expect(c.contiguousToSegno).toBe(from + count - 1);
      }),
    );
  });
});

describe("archive and restore commands", () => {
  it("quote the archive folder for the shell and PostgreSQL", () => {
    const cmd = renderArchiveCommand("/srv/it's/wal");
    expect(cmd).toContain(`'/srv/it'\\''s/wal/'"%f".gz`);
    expect(gucString(cmd)).toBe(`'${cmd.replaceAll("'", "''")}'`);
    expect(renderRestoreCommand("/srv/wal")).toBe(`[ -f '/srv/wal/'"%f".gz ] && gzip -dc '/srv/wal/'"%f".gz > "%p"`);
  });

  it("refuse a relative folder or one with a % PostgreSQL would substitute", () => {
    expect(() => renderArchiveCommand("wal")).toThrow(/absolute/);
    expect(() => renderRestoreCommand("/srv/%f")).toThrow(/without %/);
  });
});
