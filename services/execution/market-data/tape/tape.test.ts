import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../shared/clock.js";
import type { MarketEvent, MarketEventOf } from "../events.js";
import { SyntheticMarket } from "../synthetic/market.js";
import { encodeTradesBlock, scanChunk } from "./format.js";
import { listChunks, utcDay } from "./paths.js";
import { readTapeDay, readTradeTable } from "./reader.js";
import { TapeWriter } from "./writer.js";

const T0 = Date.UTC(2026, 0, 1, 6);
const root = mkdtempSync(join(tmpdir(), "titan-tape-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `t${++dirs}`);

/** A synthetic market written to the tape as the service does it: a batch per 50 ms, a flush per second. */
async function recordSynthetic(dir: string, startMs: number, minutes: number, symbols = ["BTCUSDT", "ETHUSDT"], seed = 3): Promise<{ events: MarketEvent[]; bytes: number }> {
  const clock = new ManualClock(startMs);
  let bytes = 0;
  const writer = new TapeWriter({ dir, clock, onBytesWritten: (n) => (bytes += n) });
  const market = new SyntheticMarket({ seed, symbols, startMs });
  const events: MarketEvent[] = [];
  for (let t = startMs + 50; t <= startMs + minutes * 60_000; t += 50) {
    const batch: MarketEvent[] = [];
    market.advanceTo(t, batch);
    writer.record(batch);
    events.push(...batch);
    clock.advance(50);
  }
  await writer.close();
  return { events, bytes };
}

const tradesOf = (events: readonly MarketEvent[], symbol: string) =>
  events.filter((e): e is MarketEventOf<"market-trade"> => e.type === "market-trade" && e.payload.symbol === symbol).map((e) => e.payload);

describe("the trade tape", () => {
  it("reads back every trade as columns and every other recorded event, per symbol and day", async () => {
    const dir = freshDir();
    const { events, bytes } = await recordSynthetic(dir, T0, 10);
    for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
      const day = await readTapeDay(dir, symbol, utcDay(T0));
      const trades = tradesOf(events, symbol);
      expect(day.problems).toEqual([]);
      expect(day.chunks).toBe(1);
      expect(Array.from(day.trades.tsMs)).toEqual(trades.map((t) => t.venueTsMs));
      expect(Array.from(day.trades.priceUsd)).toEqual(trades.map((t) => t.priceUsd));
      expect(Array.from(day.trades.qty)).toEqual(trades.map((t) => t.qty));
      expect(Array.from(day.trades.sideSign)).toEqual(trades.map((t) => (t.side === "buy" ? 1 : -1)));
      expect(day.events).toEqual(events.filter((e) => e.type !== "market-trade" && e.type !== "market-kline" && e.payload.symbol === symbol));
    }
    const trades = events.filter((e) => e.type === "market-trade").length;
    expect(bytes / trades).toBeLessThan(30); // compressed: a JSON trade message is ~250 bytes
  });

  it("splits at midnight UTC into one file per day", async () => {
    const dir = freshDir();
    const beforeMidnight = Date.UTC(2026, 0, 1, 23, 58);
    const { events } = await recordSynthetic(dir, beforeMidnight, 4, ["SOLUSDT"]);
    const chunks = await listChunks(dir, "SOLUSDT");
    expect(chunks.map((c) => c.day)).toEqual(["2026-01-01", "2026-01-02"]);
    const first = await readTapeDay(dir, "SOLUSDT", "2026-01-01");
    const second = await readTapeDay(dir, "SOLUSDT", "2026-01-02");
    expect(first.trades.tsMs.length + second.trades.tsMs.length).toBe(tradesOf(events, "SOLUSDT").length);
    expect(Math.max(...first.trades.tsMs)).toBeLessThan(Date.UTC(2026, 0, 2));
    expect(Math.min(...second.trades.tsMs)).toBeGreaterThanOrEqual(Date.UTC(2026, 0, 2));
  });

  it("after a restart writes a new chunk and never touches the old one", async () => {
    const dir = freshDir();
    await recordSynthetic(dir, T0, 2, ["BTCUSDT"], 1);
    const [firstChunk] = await listChunks(dir, "BTCUSDT");
    const before = readFileSync(firstChunk!.path);
    const second = await recordSynthetic(dir, T0 + 2 * 60_000, 2, ["BTCUSDT"], 2);
    expect(readFileSync(firstChunk!.path)).toEqual(before);
    const chunks = await listChunks(dir, "BTCUSDT");
    expect(chunks.map((c) => c.seq)).toEqual([1, 2]);
    const day = await readTapeDay(dir, "BTCUSDT", utcDay(T0));
    expect(day.trades.tsMs.length).toBe(scanChunk(before).blocks.reduce((n, b) => n + (b.kind === 1 ? b.trades.tsMs.length : 0), 0) + tradesOf(second.events, "BTCUSDT").length);
  });

  it("survives a crash mid-write: a torn last block is skipped, everything before it and every later chunk kept", async () => {
    const dir = freshDir();
    const { events } = await recordSynthetic(dir, T0, 3, ["ETHUSDT"]);
    const [chunk] = await listChunks(dir, "ETHUSDT");
    const intact = await readTapeDay(dir, "ETHUSDT", utcDay(T0));
    // Tear the file inside its last block, as a kill during the append would.
    const size = statSync(chunk!.path).size;
    const lastBlockStart = scanChunk(readFileSync(chunk!.path).subarray(0, size)).validBytes;
    expect(lastBlockStart).toBe(size);
    const blocks = scanChunk(readFileSync(chunk!.path)).blocks.length;
    truncateSync(chunk!.path, size - 17);
    const torn = await readTapeDay(dir, "ETHUSDT", utcDay(T0));
    expect(torn.problems).toHaveLength(1);
    expect(torn.problems[0]).toMatchObject({ path: chunk!.path, problem: expect.stringMatching(/torn block/) });
    expect(torn.problems[0]!.tornBytes).toBeGreaterThan(0);
    const kept = scanChunk(readFileSync(chunk!.path)).blocks.length;
    expect(kept).toBe(blocks - 1);
    expect(torn.trades.tsMs.length).toBeLessThanOrEqual(intact.trades.tsMs.length);
    expect(Array.from(torn.trades.tsMs)).toEqual(Array.from(intact.trades.tsMs).slice(0, torn.trades.tsMs.length));
    expect(torn.trades.tsMs.length + torn.events.length).toBeGreaterThan(0.9 * events.filter((e) => e.type !== "market-kline").length);
    // The restarted writer starts chunk 2; the torn chunk's tail stays torn and is skipped, chunk 2 is read in full.
    const restarted = await recordSynthetic(dir, T0 + 3 * 60_000, 1, ["ETHUSDT"]);
    const after = await readTapeDay(dir, "ETHUSDT", utcDay(T0));
    expect(after.trades.tsMs.length).toBe(torn.trades.tsMs.length + tradesOf(restarted.events, "ETHUSDT").length);
  });

  it("stops at a damaged block (bit rot, garbage) and keeps the blocks before it", async () => {
    const dir = freshDir();
    await recordSynthetic(dir, T0, 2, ["BTCUSDT"]);
    const [chunk] = await listChunks(dir, "BTCUSDT");
    const file = readFileSync(chunk!.path);
    const all = scanChunk(file);
    const firstTwo = scanChunk(file).blocks.slice(0, 2);
    // Find where the third block starts and flip a byte of its payload.
    let offset = 0;
    for (let i = 0; i < 2; i++) offset += 24 + file.readUInt32LE(offset + 12);
    file[offset + 30] = (file[offset + 30] as number) ^ 0xff;
    writeFileSync(chunk!.path, file);
    const damaged = scanChunk(readFileSync(chunk!.path));
    expect(damaged.problem).toMatch(/checksum mismatch at byte/);
    expect(damaged.blocks).toEqual(firstTwo);
    expect(damaged.validBytes).toBe(offset);
    expect(all.blocks.length).toBeGreaterThan(2);
    appendFileSync(chunk!.path, Buffer.from("garbage"));
    expect((await readTapeDay(dir, "BTCUSDT", utcDay(T0))).problems).toHaveLength(1);
  });

  it("merges symbols into one time-ordered table, clipped to a time range", async () => {
    const dir = freshDir();
    const { events } = await recordSynthetic(dir, T0, 3, ["BTCUSDT", "ETHUSDT", "SOLUSDT"]);
    const fromMs = T0 + 30_000;
    const toMs = T0 + 150_000;
    const table = await readTradeTable(dir, { symbols: ["SOLUSDT", "BTCUSDT"], fromMs, toMs });
    const expected = events
      .filter((e): e is MarketEventOf<"market-trade"> => e.type === "market-trade" && e.payload.symbol !== "ETHUSDT")
      .filter((e) => e.payload.venueTsMs >= fromMs && e.payload.venueTsMs < toMs);
    expect(table.tsMs.length).toBe(expected.length);
    expect(Array.from(table.tsMs).every((t, i) => i === 0 || t >= (table.tsMs[i - 1] as number))).toBe(true);
    const sol = Array.from(table.symbolIndex).filter((s) => s === 0).length;
    expect(sol).toBe(expected.filter((e) => e.payload.symbol === "SOLUSDT").length);
    expect(table.symbols).toEqual(["SOLUSDT", "BTCUSDT"]);
    const total = table.qty.reduce((s, q) => s + q, 0);
    expect(total).toBeCloseTo(expected.reduce((s, e) => s + e.payload.qty, 0), 6);
  });

  it("encodes any column values losslessly, whatever their order", () => {
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 4e12 }), finite, finite, fc.constantFrom(1, -1)), { maxLength: 300 }), (rows) => {
        // Keep neighbours within the ±24-day delta range the format supports.
        const base = rows[0]?.[0] ?? 0;
        const tsMs = Float64Array.from(rows, ([t]) => base + (t % 2_000_000_000) - 1_000_000_000);
        const columns = { tsMs, priceUsd: Float64Array.from(rows, (r) => r[1]), qty: Float64Array.from(rows, (r) => r[2]), sideSign: Int8Array.from(rows, (r) => r[3]) };
        const [block] = scanChunk(encodeTradesBlock(columns)).blocks;
        expect(block).toEqual({ kind: 1, trades: columns });
      }),
      { numRuns: 200 },
    );
  });
});
