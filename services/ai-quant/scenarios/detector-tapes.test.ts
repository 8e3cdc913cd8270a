// Every detector the live scavenger runs is backtested: a tape planted with a detector's pattern gives
// exactly that detector's signal at the planted burst, for any seed; the same tape without its market
// events gives nothing (the detectors have no input), and a window starting after the pattern began
// still sees it through the warm-up's events.
import { describe, expect, it } from "vitest";
import { DEFAULT_SCAVENGER_PARAMETERS } from "../../scavenger/domain/index.js";
import { runBacktest } from "../domain/backtester.js";
import { windowInputs } from "../domain/dataset.js";
import { DEFAULT_QUANT_SETTINGS } from "../domain/quant-settings.js";
import type { QuantTape } from "../domain/tape.js";
import { DETECTOR_TRAPS, detectorTape } from "./detector-tapes.js";

const settings = DEFAULT_QUANT_SETTINGS.backtest;
const params = DEFAULT_SCAVENGER_PARAMETERS;
const MINUTE_MS = 60_000;
const wholeTape = (tape: QuantTape) => ({ fromMs: tape.tsMs[0] as number, toMs: (tape.tsMs.at(-1) as number) + 1 });

describe.each(DETECTOR_TRAPS)("the %s detector in the backtest", (trap) => {
  it("fires once, at the planted burst and trigger, for every seed", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const tape = detectorTape(trap, { seed });
      const result = runBacktest(params, { tape, window: wholeTape(tape) }, settings, 1);
      expect(result.signals).toHaveLength(1);
      const [signal] = result.signals;
      expect(signal).toMatchObject({ trapType: trap, side: "long", symbol: "TRAPUSDT", configVersion: 1 });
      expect(signal!.triggerPriceUsd).toBeCloseTo(tape.planted.triggerPriceUsd, 9);
      // The burst's 50th trade, one a millisecond.
      expect(signal!.tsMs).toBe(tape.planted.burstTsMs + params.volumeConfirmation.minTrades - 1);
      expect(result.counts.signals).toBe(1);
    }
  });

  it("stays silent without the tape's market events", () => {
    const { marketEvents, ...tradesOnly } = detectorTape(trap);
    expect(marketEvents?.tsMs.length).toBeGreaterThan(1_000);
    expect(runBacktest(params, { tape: tradesOnly, window: wholeTape(tradesOnly) }, settings).signals).toEqual([]);
  });
});

describe("market events in the warm-up", () => {
  it("give the detectors their history when a window starts in the middle of a pattern", () => {
    // The open-interest reference is 5 minutes old: a window starting 2 minutes before the flush has it
    // only from the warm-up's events.
    const tape = detectorTape("oi-wipeout");
    const window = { fromMs: tape.planted.burstTsMs - 90_000 - 2 * MINUTE_MS, toMs: (tape.tsMs.at(-1) as number) + 1 };
    const input = windowInputs({ tape, klines: [] }, params, 60 * MINUTE_MS)(window);
    expect(input.warmupEvents?.tsMs.length).toBeGreaterThan(0);
    expect(Array.from(input.warmupEvents?.tsMs ?? []).every((t) => t >= window.fromMs - 60 * MINUTE_MS && t < window.fromMs)).toBe(true);
    expect(input.tape.marketEvents?.tsMs[0]).toBeGreaterThanOrEqual(window.fromMs);
    expect(runBacktest(params, input, settings).signals.map((s) => s.trapType)).toEqual(["oi-wipeout"]);
    const { warmupEvents: _, ...withoutWarmupEvents } = input;
    expect(runBacktest(params, withoutWarmupEvents, settings).signals).toEqual([]);
  });
});
