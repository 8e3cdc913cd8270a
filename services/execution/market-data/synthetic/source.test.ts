import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../shared/clock.js";
import type { MarketEvent } from "../events.js";
import { SyntheticMarket } from "./market.js";
import { SyntheticSource } from "./source.js";

const T0 = Date.UTC(2026, 0, 1, 12);

function reference(seed: number, untilMs: number): MarketEvent[] {
  const out: MarketEvent[] = [];
  new SyntheticMarket({ seed, symbols: ["BTCUSDT", "ETHUSDT"], startMs: T0 }).advanceTo(untilMs, out);
  return out;
}

describe("the synthetic source", () => {
  it("in real time, follows the injected clock: nothing until it moves, then exactly what happened meanwhile", async () => {
    const clock = new ManualClock(T0);
    const source = new SyntheticSource({ clock, seed: 4, symbols: ["BTCUSDT", "ETHUSDT"] });
    const batches: MarketEvent[][] = [];
    await source.start((batch) => void batches.push([...batch]));
    expect(batches).toEqual([]);
    clock.advance(30_000);
    const seen = batches.flat();
    expect(seen.length).toBeGreaterThan(100);
    expect(seen.every((e) => e.payload.tsMs <= T0 + 30_000)).toBe(true);
    expect(seen).toEqual(reference(4, T0 + 30_000));
    // One batch per 50 ms tick at most: the bus sees small, frequent batches, not one burst.
    expect(batches.length).toBeGreaterThan(100);
    await source.stop();
    clock.advance(10_000);
    expect(batches.flat()).toHaveLength(seen.length);
  });

  it("skips a tick while the sink is still busy, then catches up without losing or reordering anything", async () => {
    const clock = new ManualClock(T0);
    const source = new SyntheticSource({ clock, seed: 4, symbols: ["BTCUSDT", "ETHUSDT"] });
    const seen: MarketEvent[] = [];
    let release: () => void = () => undefined;
    let calls = 0;
    await source.start((batch) => {
      calls += 1;
      seen.push(...batch);
      if (calls === 1) return new Promise<void>((resolve) => (release = resolve));
    });
    clock.advance(5_000);
    expect(calls).toBe(1);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(5_000);
    expect(seen).toEqual(reference(4, T0 + 10_000));
    await source.stop();
  });

  it("as fast as possible, runs ahead of the clock, waits for each batch and finishes after its duration", async () => {
    const clock = new ManualClock(T0);
    const source = new SyntheticSource({ clock, seed: 4, symbols: ["BTCUSDT", "ETHUSDT"], pacing: "fast", durationMs: 10 * 60_000 });
    const seen: MarketEvent[] = [];
    let inSink = 0;
    let overlapped = false;
    await source.start(async (batch) => {
      overlapped ||= inSink > 0;
      inSink += 1;
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(...batch);
      inSink -= 1;
    });
    await source.finished;
    expect(overlapped).toBe(false);
    expect(clock.nowMs()).toBe(T0);
    expect(seen).toEqual(reference(4, T0 + 10 * 60_000));
  });

  it("keeps going when the sink throws, reporting each error", async () => {
    const clock = new ManualClock(T0);
    const errors: unknown[] = [];
    const source = new SyntheticSource({ clock, seed: 1, symbols: ["BTCUSDT"], onSinkError: (err) => errors.push(err) });
    let delivered = 0;
    await source.start((batch) => {
      delivered += batch.length;
      throw new Error("sink down");
    });
    clock.advance(2_000);
    expect(errors.length).toBeGreaterThan(1);
    expect(delivered).toBeGreaterThan(0);
    await source.stop();
  });
});
