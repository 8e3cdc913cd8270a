// A window's warm-up: bars built from the tape's own trades before the window, or the recorded klines
// where the tape has nothing for that span; the window's trades are a view into the tape.
import { describe, expect, it } from "vitest";
import { DEFAULT_SCAVENGER_PARAMETERS, type KlineInput } from "../../scavenger/domain/index.js";
import { barsFromTape, recordedBars, windowInputs } from "./dataset.js";
import type { QuantTape } from "./tape.js";

const HOUR_MS = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const tape = (rows: [number, number][]): QuantTape => ({
  symbols: ["X"],
  symbolIndex: new Uint16Array(rows.length),
  tsMs: Float64Array.from(rows, (r) => r[0]),
  priceUsd: Float64Array.from(rows, (r) => r[1]),
  qty: new Float64Array(rows.length).fill(2),
  sideSign: new Int8Array(rows.length).fill(1),
});
const recorded = (openTsMs: number, interval = "1h"): KlineInput => ({ symbol: "X", interval, openTsMs, openPriceUsd: 1, highPriceUsd: 2, lowPriceUsd: 1, closePriceUsd: 2, volumeQty: 1, closed: true });

describe("window inputs", () => {
  it("build the warm-up bars from the tape's trades before the window", () => {
    const t = tape([[T0 + 1_000, 100], [T0 + 2_000, 104], [T0 + HOUR_MS + 5, 101], [T0 + 2 * HOUR_MS + 10, 103]]);
    const bars = barsFromTape(t, T0 + 2 * HOUR_MS, 2 * HOUR_MS, ["1h"]);
    expect(bars.map((b) => [b.openTsMs - T0, b.openPriceUsd, b.highPriceUsd, b.lowPriceUsd, b.closePriceUsd, b.volumeQty])).toEqual([
      [0, 100, 104, 100, 104, 4],
      [HOUR_MS, 101, 101, 101, 101, 2],
    ]);
    const input = windowInputs({ tape: t, klines: [recorded(T0)] }, DEFAULT_SCAVENGER_PARAMETERS, 2 * HOUR_MS)({ fromMs: T0 + 2 * HOUR_MS, toMs: T0 + 3 * HOUR_MS });
    expect(Array.from(input.tape.tsMs)).toEqual([T0 + 2 * HOUR_MS + 10]);
    expect(input.warmupKlines?.filter((k) => k.interval === "1h")).toHaveLength(2);
  });

  it("fall back to recorded klines of the warm-up span where the tape has none", () => {
    const klines = [recorded(T0 - HOUR_MS), recorded(T0), recorded(T0 + HOUR_MS), recorded(T0 + 2 * HOUR_MS), recorded(T0 + HOUR_MS, "15m"), recorded(T0, "5m")];
    expect(recordedBars(klines, T0 + 2 * HOUR_MS, 2 * HOUR_MS, ["1h", "5m"]).map((k) => [k.openTsMs - T0, k.interval])).toEqual([
      [0, "1h"],
      [0, "5m"],
      [HOUR_MS, "1h"],
    ]);
    const input = windowInputs({ tape: tape([[T0 + 2 * HOUR_MS + 10, 103]]), klines }, DEFAULT_SCAVENGER_PARAMETERS, 2 * HOUR_MS)({ fromMs: T0 + 2 * HOUR_MS, toMs: T0 + 3 * HOUR_MS });
    expect(input.warmupKlines?.map((k) => k.openTsMs - T0)).toEqual([0, 0, HOUR_MS]);
  });
});
