// FillIdSet against the plain copy-per-add model it replaces: any version, added to in any order
// (including older versions, as after a rolled-back transaction), holds exactly the ids a copied Set would.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FillIdSet } from "./fill-id-set.js";

describe("FillIdSet", () => {
  it("every version equals a Set copied on each add, whichever version each add starts from", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ from: fc.nat(), id: fc.integer({ min: 0, max: 30 }) }), { maxLength: 60 }), fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 10 }), (steps, initial) => {
        const versions: FillIdSet[] = [FillIdSet.of(initial.map(String))];
        const models: Set<string>[] = [new Set(initial.map(String))];
        for (const { from, id } of steps) {
          const k = from % versions.length;
          versions.push(versions[k]!.with(String(id)));
          models.push(new Set([...models[k]!, String(id)]));
        }
        versions.forEach((v, i) => {
          const model = models[i]!;
          expect(v.size).toBe(model.size);
          expect([...v]).toEqual([...model]);
          for (let id = 0; id <= 30; id += 1) expect(v.has(String(id))).toBe(model.has(String(id)));
        });
      }),
      { numRuns: 300 },
    );
  });

  it("keeps its newest ids", () => {
    const s = FillIdSet.of(["a", "b"]).with("c").with("d");
    expect([...s.newest(2)]).toEqual(["c", "d"]);
    expect(s.with("b")).toBe(s);
  });
});
