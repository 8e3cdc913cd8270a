// The usage file's validation, the S3 storage-class model and Kubernetes quantities.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cpuCores, gibibytes } from "./quantities.js";
import { lifecycleOf, storedByClass } from "./s3-lifecycle.js";
import { UsageError, loadUsage, usageFileFor, usageText } from "./usage.js";

describe("the usage file", () => {
  it("of each stack is valid", () => {
    expect(loadUsage(usageFileFor("prod")).network?.natProcessedGiBPerMonth).toBeGreaterThan(0);
    expect(loadUsage(usageFileFor("dev")).hostCluster?.loadBalancer).toBe("clb");
  });

  it("reports every problem at once: unknown keys (typos), negative or non-numeric figures, bad choices", () => {
    const text = ["network:", "  natProcesedGiBPerMonth: 10", "database:", "  usedGiB: -5", "buckets:", "  logs:", "    ingestGiBPerMonth: lots", "hostCluster:", "  loadBalancer: alb"].join("\n");
    let error: unknown;
    try {
      usageText(text, "bad.yaml");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).problems).toEqual([
      "network.natProcesedGiBPerMonth: unknown key (known: natProcessedGiBPerMonth, interAzGiBPerMonth, internetEgressGiBPerMonth)",
      "database.usedGiB: must be a number >= 0, got -5",
      'buckets.logs.ingestGiBPerMonth: must be a number >= 0, got "lots"',
      'hostCluster.loadBalancer: must be one of nlb, clb, none, got "alb"',
    ]);
    expect((error as Error).message).toMatch(/^bad.yaml: invalid usage file \(4 problems\)/);
    expect(() => usageText("a: [", "broken.yaml")).toThrow(/broken.yaml: invalid usage file \(1 problem\):\n {2}not YAML/);
  });

  it("may be empty: every figure is then a reported gap", () => {
    expect(usageText("", "empty.yaml")).toEqual({});
  });
});

describe("the S3 storage-class model", () => {
  const trade = lifecycleOf([{ status: "Enabled", filter: {}, transitions: [{ days: 365, storageClass: "DEEP_ARCHIVE" }, { days: 30, storageClass: "STANDARD_IA" }] }], "t");

  it("ages data through the transitions in order of days", () => {
    expect(trade.transitions.map((t) => t.storageClass)).toEqual(["STANDARD_IA", "DEEP_ARCHIVE"]);
    const stored = storedByClass(trade, 12, 24); // 12 GiB a month for two years
    const month = 365 / 12;
    expect(stored.STANDARD).toBeCloseTo(12 * (30 / month), 9);
    expect(stored.STANDARD_IA).toBeCloseTo(12 * ((365 - 30) / month), 9);
    expect(stored.DEEP_ARCHIVE).toBeCloseTo(12 * (24 - 365 / month), 9);
  });

  it("keeps everything written and not yet expired, whatever the rules (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ days: fc.integer({ min: 1, max: 3000 }), storageClass: fc.constantFrom("STANDARD_IA", "DEEP_ARCHIVE") }), { maxLength: 3 }),
        fc.option(fc.integer({ min: 1, max: 4000 }), { nil: undefined }),
        fc.double({ min: 0, max: 1000, noNaN: true }),
        fc.double({ min: 0, max: 120, noNaN: true }),
        (transitions, expiration, ingest, age) => {
          const lc = lifecycleOf([{ status: "Enabled", filter: {}, transitions, ...(expiration ? { expiration: { days: expiration } } : {}) }], "p");
          const stored = storedByClass(lc, ingest, age);
          const kept = ingest * Math.min(age, expiration === undefined ? Infinity : expiration / (365 / 12));
          expect(stored.STANDARD + stored.STANDARD_IA + stored.DEEP_ARCHIVE).toBeCloseTo(kept, 6);
          for (const v of Object.values(stored)) expect(v).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });

  it("refuses a storage class it has no price for", () => {
    expect(() => lifecycleOf([{ status: "Enabled", filter: {}, transitions: [{ days: 90, storageClass: "GLACIER_FLEXIBLE_RETRIEVAL" }] }], "b")).toThrow(/no price for storage class GLACIER_FLEXIBLE_RETRIEVAL/);
  });
});

describe("Kubernetes quantities", () => {
  it("read CPU and memory the way Kubernetes writes them", () => {
    expect(cpuCores("500m")).toBe(0.5);
    expect(cpuCores("2")).toBe(2);
    expect(gibibytes("512Mi")).toBe(0.5);
    expect(gibibytes("100Gi")).toBe(100);
    expect(gibibytes("262144k")).toBeCloseTo(262_144_000 / 2 ** 30, 12);
    expect(() => cpuCores("1Gi")).toThrow(/not a CPU quantity/);
    expect(() => gibibytes("lots")).toThrow(/'lots' is not a Kubernetes quantity/);
  });
});
