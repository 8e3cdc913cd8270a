import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../shared/clock.js";
import type { MarketEvent } from "../events.js";
import { SyntheticSource } from "../synthetic/source.js";
import { TapeWriter } from "../tape/writer.js";
import { ReplaySource } from "./source.js";

const T0 = Date.UTC(2026, 0, 1, 23, 50); // the recording crosses midnight: two days on tape
const SYMBOLS = ["BTCUSDT", "ETHUSDT"];
const root = mkdtempSync(join(tmpdir(), "titan-replay-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let recorded: MarketEvent[] = [];

/** Per symbol and message type (and market, for tickers): the order a consumer of one stream sees. */
function byStream(events: readonly MarketEvent[]): Map<string, MarketEvent[]> {
  const streams = new Map<string, MarketEvent[]>();
  for (const event of events) {
    const p = event.payload;
    const key = `${p.symbol} ${event.type} ${p.marketType}${event.type === "market-kline" ? ` ${event.payload.interval}` : ""}`;
    const stream = streams.get(key) ?? [];
    stream.push(event);
    streams.set(key, stream);
  }
  return streams;
}

beforeAll(async () => {
  // Twenty minutes of the synthetic market, taped as the service does it.
  const clock = new ManualClock(T0);
  const writer = new TapeWriter({ dir: root, clock });
  const source = new SyntheticSource({ clock, seed: 12, symbols: SYMBOLS, pacing: "fast", durationMs: 20 * 60_000 });
  await source.start((batch) => {
    recorded.push(...batch);
    writer.record(batch);
  });
  await source.finished;
  await writer.close();
  recorded = recorded.filter((e) => e.payload.tsMs <= T0 + 20 * 60_000);
});

async function replayAll(options: Partial<ConstructorParameters<typeof ReplaySource>[0]> = {}): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  const source = new ReplaySource({ dir: root, symbols: SYMBOLS, clock: new ManualClock(T0 + 3_600_000), speed: 0, timestamps: "recorded", ...options });
  await source.start((batch) => void out.push(...batch));
  await source.finished;
  return out;
}

describe("replay of the tape", () => {
  it("reproduces the recorded synthetic run: every trade, ticker, open interest, funding and kline, per stream, in order", async () => {
    const replayed = await replayAll();
    const expected = byStream(recorded);
    const actual = byStream(replayed);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, events] of expected) expect(actual.get(key), key).toEqual(events);
    expect(replayed).toHaveLength(recorded.length);
  });

  it("shifts every timestamp so the tape's first event happens now, by default", async () => {
    const nowMs = Date.UTC(2026, 5, 1, 10);
    const out: MarketEvent[] = [];
    const source = new ReplaySource({ dir: root, symbols: ["BTCUSDT"], clock: new ManualClock(nowMs), speed: 0, fromDay: "2026-01-01", toDay: "2026-01-01" });
    await source.start((batch) => void out.push(...batch));
    await source.finished;
    const trades = out.filter((e) => e.type === "market-trade");
    expect(trades[0]?.payload.tsMs).toBeGreaterThanOrEqual(nowMs);
    expect(trades[0]?.payload.tsMs).toBeLessThan(nowMs + 1_000);
    // Only the first day was asked for: nothing from after midnight of the tape.
    const original = recorded.filter((e) => e.type === "market-trade" && e.payload.symbol === "BTCUSDT" && e.payload.tsMs < Date.UTC(2026, 0, 2));
    expect(trades).toHaveLength(original.length);
    const offset = (trades[0]?.payload.tsMs ?? 0) - (original[0]?.payload.tsMs ?? 0);
    expect(trades.map((t) => t.payload.tsMs - offset)).toEqual(original.map((t) => t.payload.tsMs));
  });

  it("paces itself on the clock at the speed asked for", async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    const out: MarketEvent[] = [];
    const source = new ReplaySource({ dir: root, symbols: SYMBOLS, clock, speed: 10, timestamps: "recorded" });
    await source.start((batch) => void out.push(...batch));
    const settle = () => new Promise((resolve) => setTimeout(resolve, 5));
    await settle();
    // 6 s of wall time at ten times real time = the first minute of the tape.
    for (let i = 0; i < 300; i++) {
      clock.advance(20);
      await settle();
    }
    const lastTs = Math.max(...out.map((e) => e.payload.venueTsMs));
    const firstTs = recorded[0]!.payload.venueTsMs;
    expect(lastTs - firstTs).toBeGreaterThan(55_000);
    expect(lastTs - firstTs).toBeLessThanOrEqual(60_000);
    expect(out.length).toBeLessThan(recorded.length / 10);
    await source.stop();
    const stoppedAt = out.length;
    clock.advance(10_000);
    await settle();
    expect(out).toHaveLength(stoppedAt);
  }, 20_000);

  it("refuses a bad speed or day before starting", () => {
    const clock = new ManualClock();
    expect(() => new ReplaySource({ dir: root, symbols: SYMBOLS, clock, speed: -1 })).toThrow(/speed/);
    expect(() => new ReplaySource({ dir: root, symbols: SYMBOLS, clock, fromDay: "2026-02-30" })).toThrow(/calendar day/);
    expect(() => new ReplaySource({ dir: root, symbols: [], clock })).toThrow(/at least one symbol/);
  });

  it("ends at once on an empty tape", async () => {
    expect(await replayAll({ dir: join(root, "nothing-here") })).toEqual([]);
  });
});
