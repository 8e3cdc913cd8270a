// A seeded trade tape with a known answer, for the optimiser's acceptance tests and the replay benchmark.
// Each symbol trades quietly below the previous UTC day's high; from the second day on, many times a
// day, price approaches that high, a burst of trades prints at the daily-level trap's trigger (so the
// scavenger fires), and then one of two things follows:
// - with an edge: an adverse dip of `adversePercent`, then either a rise to `peakPercent` above the
//   trigger, held for a minute, or (a `failureFraction` of events) a fall of `crashPercent`; price then
//   returns to its resting level, about 2 % below the trigger. Exits just outside the dip and just inside
//   the peak win whenever the move comes and lose least when it does not; the domain defaults (stop 1 %,
//   target 3 %) never reach their target and are stopped out on the way back.
// - without: a fair random walk for five minutes, then a fall through every allowed stop, so no exit
//   rule has an edge (a position either resolves as a fair bet or is stopped out).
// Columnar and fast (no event objects): a day of one symbol is generated in milliseconds.

import { SeededRandom, hashSeed } from "../../execution/market-data/synthetic/random.js";
import { DEFAULT_SCAVENGER_PARAMETERS } from "../../scavenger/domain/index.js";
import { SEARCH_SPACE } from "../domain/search-space.js";
import type { QuantTape } from "../domain/tape.js";

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const DAY_MS = 86_400_000;

export interface PlantedEdge {
  /** How far price dips below the trigger before the move (percent). */
  readonly adversePercent: number;
  /** How far above the trigger the move peaks (percent). */
  readonly peakPercent: number;
  /** How far below the trigger a failed move falls (percent). */
  readonly crashPercent: number;
  /** Events whose dip runs on into the fall, without the rise: wide stops pay for them. */
  readonly failureFraction: number;
}

export interface PlantedSymbol {
  readonly symbol: string;
  readonly startPriceUsd: number;
}

export interface PlantedTapeOptions {
  readonly seed: number;
  readonly symbols: readonly PlantedSymbol[];
  /** UTC midnight where the tape starts; the first day is history only. */
  readonly startMs: number;
  readonly days: number;
  readonly eventsPerDay: number;
  /** null: the move after each burst is a driftless random walk. */
  readonly edge: PlantedEdge | null;
  /** Mean time between two ordinary trades of one symbol. */
  readonly meanTradeGapMs?: number;
  /** Standard deviation of each ordinary trade's price around the path (percent). */
  readonly noisePercent?: number;
}

export interface PlantedEvent {
  readonly symbol: string;
  /** Time of the burst's first trade. */
  readonly burstTsMs: number;
  readonly triggerPriceUsd: number;
}

export interface PlantedTape extends QuantTape {
  readonly events: readonly PlantedEvent[];
}

/** The trades one burst needs: more than the volume confirmation's minimum, inside its window. */
const BURST_TRADES = DEFAULT_SCAVENGER_PARAMETERS.volumeConfirmation.minTrades + 10;
const TRIGGER_OFFSET = DEFAULT_SCAVENGER_PARAMETERS.dailyLevel.triggerOffsetPercent / 100;
/** Where price rests between events, and where it waits for the trap to be armed, below the day's high. */
const REST_BELOW_HIGH = [0.975, 0.99] as const;
const APPROACH_BELOW_HIGH = 0.996;
/** Half a percent beyond the widest stop the scavenger's schema allows. */
const FALL_BEYOND_STOPS = ((SEARCH_SPACE.find((d) => d.name === "stopLossPercent")?.max ?? Number.NaN) + 0.5) / 100;

interface Row {
  tsMs: number;
  priceUsd: number;
  qty: number;
  sideSign: number;
}

/** A piecewise-linear path in log price: (time, price) knots in time order. */
class Path {
  readonly knots: Array<[number, number]> = [];
  to(tsMs: number, priceUsd: number): this {
    this.knots.push([tsMs, Math.log(priceUsd)]);
    return this;
  }
  priceAt(tsMs: number, from: number): { priceUsd: number; index: number } {
    let i = from;
    while (i + 1 < this.knots.length && (this.knots[i + 1] as [number, number])[0] <= tsMs) i++;
    const [t0, p0] = this.knots[i] as [number, number];
    const next = this.knots[i + 1];
    if (!next) return { priceUsd: Math.exp(p0), index: i };
    const [t1, p1] = next;
    return { priceUsd: Math.exp(p0 + ((p1 - p0) * (tsMs - t0)) / (t1 - t0)), index: i };
  }
  get lastPriceUsd(): number {
    return Math.exp((this.knots.at(-1) as [number, number])[1]);
  }
}

const tickOf = (priceUsd: number): number => 10 ** (Math.floor(Math.log10(priceUsd)) - 5);
const onTick = (priceUsd: number, tick: number): number => Number((Math.round(priceUsd / tick) * tick).toFixed(12));

function checkOptions(o: PlantedTapeOptions): void {
  const problems: string[] = [];
  if (!Number.isSafeInteger(o.seed)) problems.push(`seed must be an integer, got ${o.seed}`);
  if (!Number.isSafeInteger(o.startMs) || o.startMs % DAY_MS !== 0) problems.push(`startMs must be a UTC midnight, got ${o.startMs}`);
  if (!Number.isInteger(o.days) || o.days < 2) problems.push(`days must be an integer of at least 2 (the first is history), got ${o.days}`);
  if (!Number.isInteger(o.eventsPerDay) || o.eventsPerDay < 1 || o.eventsPerDay > 48) problems.push(`eventsPerDay must be 1-48, got ${o.eventsPerDay}`);
  if (o.symbols.length === 0) problems.push("at least one symbol is needed");
  for (const s of o.symbols) if (!(s.startPriceUsd > 0)) problems.push(`${s.symbol}: startPriceUsd must be positive`);
  if (o.edge && !(o.edge.adversePercent > 0 && o.edge.peakPercent > o.edge.adversePercent && o.edge.crashPercent > 0 && o.edge.failureFraction >= 0 && o.edge.failureFraction < 1))
    problems.push("edge: adversePercent > 0, peakPercent > adversePercent, crashPercent > 0 and failureFraction in [0, 1) are needed");
  if (problems.length > 0) throw new RangeError(`planted tape: ${problems.join("; ")}`);
}

/** The knots of one symbol's day (days ≥ 1 carry events) and its burst times. */
function planDay(path: Path, random: SeededRandom, dayStartMs: number, highUsd: number, o: PlantedTapeOptions, events: number[]): void {
  const rest = () => highUsd * (REST_BELOW_HIGH[0] + random.next() * (REST_BELOW_HIGH[1] - REST_BELOW_HIGH[0]));
  const spacingMs = DAY_MS / o.eventsPerDay;
  for (let k = 0; k < o.eventsPerDay; k++) {
    const slotMs = dayStartMs + k * spacingMs;
    const burstMs = Math.round(slotMs + spacingMs / 2 + (random.next() - 0.5) * 4 * MINUTE_MS);
    path.to(slotMs + 2 * MINUTE_MS, rest());
    path.to(burstMs - 6 * MINUTE_MS, rest());
    // Three minutes within reach of the high: the minute's recomputation arms the trap.
    path.to(burstMs - 3 * MINUTE_MS, highUsd * APPROACH_BELOW_HIGH);
    path.to(burstMs - 1, highUsd * APPROACH_BELOW_HIGH);
    const trigger = highUsd * (1 + TRIGGER_OFFSET);
    path.to(burstMs, trigger);
    events.push(burstMs);
    if (o.edge) {
      path.to(burstMs + 45 * SECOND_MS, trigger * (1 - o.edge.adversePercent / 100));
      if (random.chance(o.edge.failureFraction)) {
        path.to(burstMs + 150 * SECOND_MS, trigger * (1 - o.edge.crashPercent / 100));
      } else {
        // The peak holds for a minute, so a target just inside it is reached whenever trades print.
        path.to(burstMs + 150 * SECOND_MS, trigger * (1 + o.edge.peakPercent / 100));
        path.to(burstMs + 210 * SECOND_MS, trigger * (1 + o.edge.peakPercent / 100));
      }
    } else {
      // A fair random walk of 30-second steps (about ±2 % after five minutes), then a fall through every
      // allowed stop: an exit either resolves as a fair bet inside the walk or loses. No rule has an edge.
      let price = trigger;
      for (let step = 1; step <= 10; step++) {
        price *= Math.exp(0.0063 * random.normal());
        path.to(burstMs + step * 30 * SECOND_MS, price);
      }
      path.to(burstMs + 7 * MINUTE_MS, trigger * (1 - FALL_BEYOND_STOPS));
    }
    path.to(burstMs + 10 * MINUTE_MS, rest());
  }
  path.to(dayStartMs + DAY_MS - 1, rest());
}

function symbolRows(symbol: PlantedSymbol, o: PlantedTapeOptions, events: PlantedEvent[]): Row[] {
  const random = new SeededRandom(hashSeed(o.seed, symbol.symbol));
  const gapMs = o.meanTradeGapMs ?? 2_000;
  const noise = (o.noisePercent ?? 0.03) / 100;
  const tick = tickOf(symbol.startPriceUsd);
  const medianQty = 2_000 / symbol.startPriceUsd;
  const rows: Row[] = [];
  let highUsd = symbol.startPriceUsd;
  for (let day = 0; day < o.days; day++) {
    const dayStartMs = o.startMs + day * DAY_MS;
    const path = new Path();
    const bursts: number[] = [];
    if (day === 0) {
      path.to(dayStartMs, symbol.startPriceUsd);
      for (let h = 1; h <= 24; h++) path.to(dayStartMs + h * 3_600_000 - 1, symbol.startPriceUsd * Math.exp(0.01 * (random.next() - 0.5)));
    } else {
      path.to(dayStartMs, (rows.at(-1) as Row).priceUsd);
      planDay(path, random, dayStartMs, highUsd, o, bursts);
    }
    let dayHigh = 0;
    let knot = 0;
    let burst = 0;
    const push = (tsMs: number, priceUsd: number, qty: number, sideSign: number) => {
      const price = onTick(priceUsd, tick);
      rows.push({ tsMs, priceUsd: price, qty, sideSign });
      if (price > dayHigh) dayHigh = price;
    };
    for (let t = dayStartMs + Math.floor(random.exponential(gapMs)); t < dayStartMs + DAY_MS; t += 1 + Math.floor(random.exponential(gapMs))) {
      while (burst < bursts.length && (bursts[burst] as number) <= t) {
        const b = bursts[burst++] as number;
        const trigger = path.priceAt(b, knot).priceUsd;
        events.push({ symbol: symbol.symbol, burstTsMs: b, triggerPriceUsd: trigger });
        // The burst: one trade a millisecond at the trigger (±0.03 %), then a second of follow-through.
        for (let i = 0; i < BURST_TRADES; i++) push(b + i, trigger * (1 + 0.0003 * (2 * random.next() - 1)), random.logNormal(medianQty, 0.8), random.chance(0.6) ? 1 : -1);
        for (let i = 1; i <= 8; i++) push(b + BURST_TRADES + i * 120, path.priceAt(b + BURST_TRADES + i * 120, knot).priceUsd, random.logNormal(medianQty, 0.8), 1);
        if (t <= b + BURST_TRADES + 960) t = b + BURST_TRADES + 961;
      }
      const at = path.priceAt(t, knot);
      knot = at.index;
      push(t, at.priceUsd * Math.exp(noise * random.normal()), random.logNormal(medianQty, 0.8), random.chance(0.5) ? 1 : -1);
    }
    highUsd = dayHigh;
  }
  return rows;
}

/** The tape, rows in time order across symbols (ties by symbol order). Deterministic for its options. */
export function plantedTape(o: PlantedTapeOptions): PlantedTape {
  checkOptions(o);
  const events: PlantedEvent[] = [];
  const perSymbol = o.symbols.map((s) => symbolRows(s, o, events));
  const total = perSymbol.reduce((n, rows) => n + rows.length, 0);
  const tape = {
    symbols: o.symbols.map((s) => s.symbol),
    symbolIndex: new Uint16Array(total),
    tsMs: new Float64Array(total),
    priceUsd: new Float64Array(total),
    qty: new Float64Array(total),
    sideSign: new Int8Array(total),
  };
  const cursor = new Array<number>(perSymbol.length).fill(0);
  for (let row = 0; row < total; row++) {
    let best = -1;
    for (let s = 0; s < perSymbol.length; s++) {
      const next = perSymbol[s]?.[cursor[s] as number];
      if (next && (best < 0 || next.tsMs < (perSymbol[best]?.[cursor[best] as number] as Row).tsMs)) best = s;
    }
    const r = perSymbol[best]?.[cursor[best] as number] as Row;
    cursor[best] = (cursor[best] as number) + 1;
    tape.symbolIndex[row] = best;
    tape.tsMs[row] = r.tsMs;
    tape.priceUsd[row] = r.priceUsd;
    tape.qty[row] = Number(r.qty.toPrecision(6));
    tape.sideSign[row] = r.sideSign;
  }
  events.sort((a, b) => a.burstTsMs - b.burstTsMs || (a.symbol < b.symbol ? -1 : 1));
  return { ...tape, events };
}
