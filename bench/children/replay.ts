// Child process of the replay path: times the AI Quant backtest replay alone in a fresh process (the
// parent pins it to one core with taskset) and prints one JSON line. It uses the AI Quant engineer's
// measureReplaySpeed (services/ai-quant/bench.ts); without it, it replays a seeded synthetic tape
// through the scavenger's replayTape directly, and says so.
import { createScavengerStrategy, loadScavengerParameters, replayTape, type TradeTapeColumns } from "../../services/scavenger/domain/index.js";

export interface ReplayChildResult {
  readonly source: "services/ai-quant/bench.ts measureReplaySpeed" | "synthetic tape through replayTape (services/ai-quant/bench.ts not found)";
  readonly events: number;
  readonly eventsPerSecond: number;
  readonly medianEventsPerSecond: number;
  readonly bareEventsPerSecond?: number;
  /** Market events (open interest, funding, spot prices) replayed beside the same trades, and the trade rate then. */
  readonly marketEvents?: number;
  readonly withMarketEventsEventsPerSecond?: number;
  readonly signals?: number;
  readonly trades?: number;
}

interface AiQuantBench {
  measureReplaySpeed(options: { days?: number; repeats?: number }): {
    events: number;
    eventsPerSecond: number;
    medianEventsPerSecond: number;
    bareEventsPerSecond: number;
    marketEvents?: number;
    withMarketEventsEventsPerSecond?: number;
    signals: number;
    trades: number;
  };
}

/** Seeded random walk: the same tape on every run (mulberry32). */
const syntheticTape = (rows: number, symbols: readonly string[]): TradeTapeColumns => {
  let seed = 0x9e3779b9;
  const rand = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const symbolIndex = new Int32Array(rows);
  const tsMs = new Float64Array(rows);
  const priceUsd = new Float64Array(rows);
  const qty = new Float64Array(rows);
  const sideSign = new Int8Array(rows);
  const last = symbols.map((_, i) => 10 ** (2 + i));
  let t = Date.UTC(2026, 0, 1);
  for (let r = 0; r < rows; r++) {
    const s = r % symbols.length;
    t += Math.floor(rand() * 60);
    last[s] = (last[s] as number) * (1 + (rand() - 0.5) * 0.001);
    symbolIndex[r] = s;
    tsMs[r] = t;
    priceUsd[r] = last[s] as number;
    qty[r] = rand() * 2;
    sideSign[r] = rand() < 0.5 ? -1 : 1;
  }
  return { symbols, symbolIndex, tsMs, priceUsd, qty, sideSign };
};

const measureFallback = (quick: boolean): ReplayChildResult => {
  const tape = syntheticTape(quick ? 200_000 : 2_000_000, ["BENCH0USDT", "BENCH1USDT", "BENCH2USDT"]);
  const params = loadScavengerParameters({});
  const seconds: number[] = [];
  for (let k = 0; k < (quick ? 2 : 6); k++) {
    const started = process.hrtime.bigint();
    replayTape(createScavengerStrategy(params), tape);
    if (k > 0) seconds.push(Number(process.hrtime.bigint() - started) / 1e9); // the first run warms the JIT
  }
  seconds.sort((a, b) => a - b);
  const events = tape.tsMs.length;
  return {
    source: "synthetic tape through replayTape (services/ai-quant/bench.ts not found)",
    events,
    eventsPerSecond: events / (seconds[0] as number),
    medianEventsPerSecond: events / (seconds[Math.floor(seconds.length / 2)] as number),
  };
};

const quick = process.argv.includes("--quick");
let result: ReplayChildResult;
let bench: AiQuantBench | undefined;
try {
  bench = (await import("../../services/ai-quant/bench.js")) as AiQuantBench;
} catch (err) {
  if ((err as { code?: string }).code !== "ERR_MODULE_NOT_FOUND") throw err;
}
if (bench) {
  const r = bench.measureReplaySpeed(quick ? { days: 1, repeats: 1 } : {});
  result = {
    source: "services/ai-quant/bench.ts measureReplaySpeed",
    events: r.events,
    eventsPerSecond: r.eventsPerSecond,
    medianEventsPerSecond: r.medianEventsPerSecond,
    bareEventsPerSecond: r.bareEventsPerSecond,
    ...(r.marketEvents !== undefined && r.withMarketEventsEventsPerSecond !== undefined ? { marketEvents: r.marketEvents, withMarketEventsEventsPerSecond: r.withMarketEventsEventsPerSecond } : {}),
    signals: r.signals,
    trades: r.trades,
  };
} else {
  result = measureFallback(quick);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
