// Backtest replay speed: trade events per second through the backtester (the scavenger's replay loop and
// strategy with the simulated book around it) on one core, over a seeded tape as busy as the local
// stack's synthetic market (three symbols, about six trades a second each) with warm-up bars, so the
// level calculators work as they do in a real run. The target is met on that trade tape; the same tape
// with the open interest, funding and spot prices a recording carries beside the trades (at execution's
// cadence) is measured too, as what the detectors' inputs add. `npm run bench` calls measureReplaySpeed;
// run this file to print it.
import { pathToFileURL } from "node:url";
import { PERFORMANCE_TARGETS } from "../../ops/index.js";
import { createScavengerStrategy, loadScavengerParameters, replayTape } from "../scavenger/domain/index.js";
import { runBacktest } from "./domain/backtester.js";
import { windowInputs } from "./domain/dataset.js";
import { DEFAULT_QUANT_SETTINGS } from "./domain/quant-settings.js";
import { plantedTape } from "./scenarios/planted-tape.js";
import { withQuietMarketEvents } from "./scenarios/quiet-market-events.js";

const DAY_MS = 86_400_000;

export interface ReplaySpeedOptions {
  /** Days replayed per backtest (after one day of warm-up). */
  readonly days?: number;
  readonly symbols?: number;
  /** Mean gap between one symbol's trades. */
  readonly meanTradeGapMs?: number;
  readonly repeats?: number;
  readonly seed?: number;
}

export interface ReplaySpeed {
  readonly events: number;
  /** The fastest repeat (the least disturbed by other work on the machine). */
  readonly bestSeconds: number;
  readonly medianSeconds: number;
  readonly eventsPerSecond: number;
  readonly medianEventsPerSecond: number;
  readonly targetEventsPerSecond: number;
  /** The scavenger's replay loop and strategy alone, without the book: what the backtester adds is the difference. */
  readonly bareEventsPerSecond: number;
  /** Market events (open interest, funding, spot prices) beside the same trades, at execution's cadence. */
  readonly marketEvents: number;
  /** Trade events per second of the fastest backtest of the trades with those market events. */
  readonly withMarketEventsEventsPerSecond: number;
  readonly signals: number;
  readonly trades: number;
}

export function measureReplaySpeed(options: ReplaySpeedOptions = {}): ReplaySpeed {
  const days = options.days ?? 2;
  const symbolCount = options.symbols ?? 3;
  const startMs = Date.UTC(2026, 0, 1);
  const tape = plantedTape({
    seed: options.seed ?? 1,
    symbols: Array.from({ length: symbolCount }, (_, i) => ({ symbol: `BENCH${i}USDT`, startPriceUsd: 10 ** (1 + (i % 4)) })),
    startMs,
    days: days + 1,
    eventsPerDay: 24,
    edge: { adversePercent: 0.5, peakPercent: 2.5, crashPercent: 5.5, failureFraction: 0.2 },
    meanTradeGapMs: options.meanTradeGapMs ?? 170,
  });
  const params = loadScavengerParameters({});
  const window = { fromMs: startMs + DAY_MS, toMs: startMs + (days + 1) * DAY_MS };
  const input = windowInputs({ tape, klines: [] }, params, DAY_MS)(window);
  const repeats = options.repeats ?? 5;
  const timed = (run: () => void): number[] => {
    const seconds: number[] = [];
    for (let k = 0; k < repeats; k++) {
      const started = process.hrtime.bigint();
      run();
      seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
    }
    return seconds;
  };
  let last = runBacktest(params, input, DEFAULT_QUANT_SETTINGS.backtest); // warms the JIT
  const seconds = timed(() => (last = runBacktest(params, input, DEFAULT_QUANT_SETTINGS.backtest)));
  const bare = timed(() => {
    const strategy = createScavengerStrategy(params);
    for (const kline of input.warmupKlines ?? []) strategy.onKline(kline);
    replayTape(strategy, input.tape);
  });
  const withEvents = windowInputs({ tape: withQuietMarketEvents(tape), klines: [] }, params, DAY_MS)(window);
  const withEventsSeconds = timed(() => runBacktest(params, withEvents, DEFAULT_QUANT_SETTINGS.backtest));
  const sorted = [...seconds].sort((a, b) => a - b);
  const events = input.tape.tsMs.length;
  const best = sorted[0] as number;
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  return {
    events,
    bestSeconds: best,
    medianSeconds: median,
    eventsPerSecond: events / best,
    medianEventsPerSecond: events / median,
    targetEventsPerSecond: PERFORMANCE_TARGETS.backtestReplayRate.value,
    bareEventsPerSecond: events / Math.min(...bare),
    marketEvents: withEvents.tape.marketEvents?.tsMs.length ?? 0,
    withMarketEventsEventsPerSecond: events / Math.min(...withEventsSeconds),
    signals: last.signals.length,
    trades: last.trades.length,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const r = measureReplaySpeed();
  const m = (x: number) => `${(x / 1e6).toFixed(1)} M`;
  process.stdout.write(
    `ai-quant backtest replay: ${r.events.toLocaleString("en-US")} trade events, best ${r.bestSeconds.toFixed(3)} s = ${m(r.eventsPerSecond)} events/s ` +
      `(median ${m(r.medianEventsPerSecond)}; the scavenger's replay alone ${m(r.bareEventsPerSecond)}; with ${r.marketEvents.toLocaleString("en-US")} market events beside the trades ${m(r.withMarketEventsEventsPerSecond)}); ` +
      `target ${m(r.targetEventsPerSecond)}; ${r.signals} signals, ${r.trades} simulated trades\n`,
  );
}
