import { describe, expect, test } from "vitest";
import type { Queryable } from "../../shared/db/database.js";
import { OrderPhases } from "./order-phases.js";

/** A database that answers the phase lookup from a table in memory and counts the lookups. */
const decisions = (rows: Record<string, number>) => {
  const db = {
    lookups: 0,
    query: async (_statement: string, _sql: string, params?: readonly unknown[]) => {
      db.lookups += 1;
      const phase = rows[String(params?.[0])];
      return { rows: phase === undefined ? [] : [{ phase }] };
    },
  };
  return db as typeof db & Queryable;
};

describe("OrderPhases", () => {
  test("a remembered order needs no lookup; others are looked up and the found ones remembered", async () => {
    const phases = new OrderPhases();
    const db = decisions({ "o-2": 2 });
    phases.remember("o-1", 1);
    expect(await phases.phaseOf(db, "o-1")).toBe(1);
    expect(db.lookups).toBe(0);
    expect(await phases.phaseOf(db, "o-2")).toBe(2);
    expect(await phases.phaseOf(db, "o-2")).toBe(2);
    expect(db.lookups).toBe(1);
    // No decision (a flatten): null, and asked again next time (nothing to remember).
    expect(await phases.phaseOf(db, "flatten-1")).toBeNull();
    expect(await phases.phaseOf(db, "flatten-1")).toBeNull();
    expect(db.lookups).toBe(3);
  });

  test("holds at most its capacity, forgetting the oldest first", async () => {
    const phases = new OrderPhases(2);
    phases.remember("a", 1);
    phases.remember("b", 2);
    phases.remember("c", 3);
    expect(phases.size).toBe(2);
    const db = decisions({ a: 1 });
    expect(await phases.phaseOf(db, "c")).toBe(3);
    expect(await phases.phaseOf(db, "b")).toBe(2);
    expect(db.lookups).toBe(0);
    expect(await phases.phaseOf(db, "a")).toBe(1);
    expect(db.lookups).toBe(1);
  });

  test("refuses a capacity that is not a positive integer", () => {
    expect(() => new OrderPhases(0)).toThrow(/capacity must be a positive integer/);
  });
});
