import { describe, expect, it } from "vitest";
import { serverStatementDelta, serverStatementsRow } from "./db-server-time.js";

const entry = (role: string, query: string, calls: number, totalMs: number) => ({ role, query, calls, totalMs });

describe("server-side statement figures", () => {
  const before = new Map([
    ["10:1", entry("titan_brain", "COMMIT", 100, 50)],
    ["11:2", entry("titan_execution", "SELECT 1", 500, 10)],
    ["11:3", entry("titan_execution", "UPDATE x", 40, 40)],
  ]);
  const after = new Map([
    ["10:1", entry("titan_brain", "COMMIT", 300, 250)], // +200 calls, +200 ms
    ["11:2", entry("titan_execution", "SELECT 1", 500, 10)], // idle in between
    ["11:3", entry("titan_execution", "UPDATE x", 5, 20)], // evicted and re-added: counts from zero
    ["11:4", entry("titan_execution", "INSERT y", 10, 30)], // new
  ]);

  it("takes what ran in between, counts a re-added entry from zero and ranks by total time", () => {
    expect(serverStatementDelta(before, after)).toEqual([entry("titan_brain", "COMMIT", 200, 200), entry("titan_execution", "INSERT y", 10, 30), entry("titan_execution", "UPDATE x", 5, 20)]);
  });

  it("judges the mean across every statement against the statement targets", () => {
    const row = serverStatementsRow(before, after, { ratePerSecond: 100, seconds: 8 }, false)!;
    expect(row.value).toBeCloseTo(250 / 215 / 1_000, 9);
    expect(row.targets.map((t) => t.met)).toEqual([true, false]); // seed ≤ 10 ms met, design ≤ 1 ms missed (1.16 ms)
    expect(serverStatementsRow(null, after, { ratePerSecond: 100, seconds: 8 }, false)).toBeNull();
    expect(serverStatementsRow(after, after, { ratePerSecond: 100, seconds: 8 }, false)?.status).toBe("failed");
  });
});
