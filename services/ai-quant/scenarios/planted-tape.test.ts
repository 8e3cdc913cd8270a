import { describe, expect, it } from "vitest";
import { plantedTape } from "./planted-tape.js";

const T0 = Date.UTC(2026, 0, 1);
const options = { seed: 7, symbols: [{ symbol: "AAAUSDT", startPriceUsd: 100 }], startMs: T0, days: 2, eventsPerDay: 4, edge: { adversePercent: 0.5, peakPercent: 2.5, crashPercent: 5.5, failureFraction: 0.2 } };

describe("the planted tape", () => {
  it("is the same for the same options, in time order, with its bursts on the second day", () => {
    const a = plantedTape(options);
    const b = plantedTape(options);
    expect(Buffer.from(a.priceUsd.buffer).equals(Buffer.from(b.priceUsd.buffer))).toBe(true);
    expect(a.events).toEqual(b.events);
    let inOrder = true;
    for (let i = 1; i < a.tsMs.length; i++) inOrder &&= (a.tsMs[i] as number) >= (a.tsMs[i - 1] as number);
    expect(inOrder).toBe(true);
    expect(a.events).toHaveLength(4);
    for (const e of a.events) expect(e.burstTsMs).toBeGreaterThanOrEqual(T0 + 86_400_000);
    expect(plantedTape({ ...options, seed: 8 }).priceUsd).not.toEqual(a.priceUsd);
  });

  it("refuses options it cannot honour, naming each", () => {
    expect(() => plantedTape({ ...options, startMs: T0 + 1, days: 1, eventsPerDay: 99 })).toThrow(/startMs must be a UTC midnight.*days must be.*eventsPerDay must be 1-48/);
  });
});
