import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { describeFile, parseManifest, renderManifest, sha256Hex, toJsonLines, verifyChain, verifyDay, type ExportManifest } from "./compliance.js";

const manifestOf = (day: string, files: Record<string, string>, previous: string | null = null): ExportManifest => ({
  version: 1, day, createdAt: `${day}T00:10:00.000Z`, previousManifestSha256: previous,
  files: Object.entries(files).map(([name, body]) => describeFile(name, body, body.split("\n").length - 1)),
});
const stored = (files: Record<string, string>) => new Map(Object.entries(files).map(([n, b]) => [n, { bytes: Buffer.byteLength(b), sha256: sha256Hex(b) }]));

describe("export files", () => {
  it("are canonical JSON Lines: sorted keys, bytes as hex, the same rows give the same bytes", () => {
    expect(toJsonLines([{ b: 1, a: Buffer.from([0xde, 0xad]), at: new Date(Date.UTC(2026, 0, 2)), n: null, j: { z: 1, y: [2n] } }])).toBe(
      '{"a":"dead","at":"2026-01-02T00:00:00.000Z","b":1,"j":{"y":["2"],"z":1},"n":null}\n',
    );
    fc.assert(fc.property(fc.array(fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.string(), fc.boolean()))), (rows) => {
      const shuffled = rows.map((r) => Object.fromEntries(Object.entries(r).reverse()));
      expect(toJsonLines(shuffled)).toBe(toJsonLines(rows));
    }));
    expect(() => toJsonLines([{ x: Number.NaN }])).toThrow(/non-finite/);
  });
});

describe("verification of a day", () => {
  const files = { "a/fills.jsonl": '{"x":1}\n', "a/audit.jsonl": "" };
  const m = manifestOf("2026-01-02", files);

  it("passes an intact day and round-trips its manifest", () => {
    expect(verifyDay(m, stored(files))).toEqual([]);
    expect(parseManifest(renderManifest(m), "m")).toEqual(m);
  });

  it("catches a changed byte, a missing file and a file the manifest does not list", () => {
    expect(verifyDay(m, stored({ ...files, "a/fills.jsonl": '{"x":2}\n' }))).toEqual([expect.stringMatching(/^2026-01-02\/a\/fills.jsonl: SHA-256 [0-9a-f]{64} does not match/)]);
    expect(verifyDay(m, stored({ "a/audit.jsonl": "" }))).toEqual(["2026-01-02/a/fills.jsonl: missing"]);
    expect(verifyDay(m, stored({ ...files, "a/extra.jsonl": "x" }))).toEqual(["2026-01-02/a/extra.jsonl: not in the manifest"]);
  });

  it("refuses a manifest that is not one", () => {
    expect(() => parseManifest("{}", "m.json")).toThrow(/not an export manifest/);
    expect(() => parseManifest("nope", "m.json")).toThrow(/not JSON/);
  });
});

describe("the chain of manifests", () => {
  it("holds when each names its predecessor, and breaks where one was rewritten", () => {
    const links = [
      { day: "2026-01-01", manifestSha256: "a", previousManifestSha256: null },
      { day: "2026-01-02", manifestSha256: "b", previousManifestSha256: "a" },
      { day: "2026-01-03", manifestSha256: "c", previousManifestSha256: "b" },
    ];
    expect(verifyChain(links)).toEqual([]);
    expect(verifyChain([links[0]!, { ...links[1]!, manifestSha256: "B" }, links[2]!])).toEqual([expect.stringMatching(/^2026-01-03\/manifest.json: names b previous manifest, but 2026-01-02's is B/)]);
  });
});
