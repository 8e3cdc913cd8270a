// The search space is the scavenger's whitelist with the schema's own bounds: a value the optimiser can
// produce is always one the scavenger accepts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { QUANT_PARAMETERS } from "../../shared/contracts/index.js";
import { DEFAULT_SCAVENGER_PARAMETERS, parseScavengerParameters } from "../../scavenger/domain/index.js";
import { SEARCH_SPACE, positionOf, presentable, presentableNeighbours, valueAt, valuesAt, withValues } from "./search-space.js";

describe("the search space", () => {
  it("is the whitelist, with domain.md's bounds", () => {
    expect(SEARCH_SPACE.map((d) => d.name)).toEqual([...QUANT_PARAMETERS]);
    const bounds = Object.fromEntries(SEARCH_SPACE.map((d) => [d.name, [d.min, d.max, d.integer, d.scale]]));
    expect(bounds).toEqual({
      maxLeverage: [1, 20, false, "log"],
      stopLossPercent: [0.1, 5, false, "log"],
      takeProfitPercent: [0.5, 20, false, "log"],
      riskPerTradePercent: [0.1, 5, false, "log"],
      maxDailyLossPercent: [1, 20, false, "log"],
      maxPositionSizePercent: [10, 100, false, "log"],
      maxOpenPositions: [1, 10, true, "log"],
      cooldownSeconds: [0, 3600, true, "linear"],
    });
  });

  it("maps every position in [0, 1] to a value the scavenger accepts, and back", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }), (u) => {
        const values = valuesAt(u);
        expect(parseScavengerParameters({ ...DEFAULT_SCAVENGER_PARAMETERS, ...values }).ok).toBe(true);
        for (const [i, d] of SEARCH_SPACE.entries()) if (!d.integer) expect(positionOf(d, valueAt(d, u[i] as number))).toBeCloseTo(u[i] as number, 9);
      }),
    );
  });

  it("states values with three significant digits, inside the bounds", () => {
    const stop = SEARCH_SPACE.find((d) => d.name === "stopLossPercent")!;
    expect(presentable(stop, 0.73712)).toBe(0.737);
    expect(presentable(stop, 4.99999)).toBe(5);
    expect(presentable(stop, 0.0999999)).toBe(0.1);
    expect(presentable(SEARCH_SPACE.find((d) => d.name === "cooldownSeconds")!, 299.6)).toBe(300);
  });

  it("refuses to build a parameter set the scavenger would refuse", () => {
    expect(() => withValues(DEFAULT_SCAVENGER_PARAMETERS, { ...valuesAt(new Array(8).fill(0.5)), maxOpenPositions: 0 })).toThrow(/maxOpenPositions/);
  });
});

describe("presentable neighbours", () => {
  it("are the stated values just below and above, or the value itself", () => {
    const target = SEARCH_SPACE.find((d) => d.name === "takeProfitPercent")!;
    expect(presentableNeighbours(target, 2.6379303)).toEqual([2.63, 2.64]);
    expect(presentableNeighbours(target, 2.64)).toEqual([2.64]);
    expect(presentableNeighbours(SEARCH_SPACE.find((d) => d.name === "stopLossPercent")!, 0.61030744)).toEqual([0.61, 0.611]);
  });
});
