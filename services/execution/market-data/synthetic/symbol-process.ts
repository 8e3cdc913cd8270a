// One synthetic perpetual: a mid price diffusing with the regime's volatility and trend, ordinary trades
// arriving as a Poisson process, bursts of 50–400 trades within 25–90 ms (started at random and when
// price touches a round number or the hour's high or low, where stops and liquidations sit), long
// liquidation cascades in volatile regimes that knock open interest down, a mean-reverting spot–perp
// basis, funding that follows the premium, and rolling 24 h volume. Pure: all randomness comes from its
// own seeded stream, all time from the caller.

import { derivedTradeId, type MarketEvent, type Venue } from "../events.js";
import type { KlineBuilder } from "../kline-builder.js";
import type { SymbolProfile } from "./profiles.js";
import { SeededRandom } from "./random.js";
import { REGIME_PARAMS, nextRegime, regimeDurationMs, type Regime } from "./regimes.js";
import { RollingDayVolume } from "./rolling-volume.js";

const MINUTE_MS = 60_000;
const EIGHT_HOURS_MS = 8 * 3_600_000;
/** Within this fraction of a level, price "touches" it. */
const LEVEL_TOUCH_FRACTION = 0.0006;
const LEVEL_BURST_PROBABILITY = 0.3;
const LEVEL_COOLDOWN_MS = 5 * MINUTE_MS;
const BASIS_MEAN = -0.0002; // perpetuals usually trade at a small premium
const BASIS_REVERSION_PER_SECOND = 1 / 900;
const OI_REVERSION_PER_SECOND = 1 / 1_800;
const CASCADE_REST_MS = 20 * MINUTE_MS;
const LOGNORMAL_MEAN_FACTOR = Math.exp(0.5); // E[exp(σZ)] for σ = 1

type LevelKind = "round" | "high" | "low";

interface Burst {
  readonly timesMs: Float64Array;
  next: number;
  readonly direction: 1 | -1;
  /** Log-price move per trade in the burst's direction. */
  readonly stepLog: number;
}

interface Cascade {
  readonly untilMs: number;
  nextBurstMs: number;
}

export class SymbolProcess {
  regime: Regime = "normal";
  private readonly random: SeededRandom;
  private regimeEndsMs: number;
  private driftPerSecond = 0;
  private logMid: number;
  private lastEvolvedMs: number;
  private lastTradePriceUsd: number;
  private nextTradeMs: number;
  private burst: Burst | null = null;
  private nextRandomBurstMs: number;
  private nextCascadeMs = Number.POSITIVE_INFINITY;
  private cascadeRestUntilMs = 0;
  private cascade: Cascade | null = null;
  private openInterestQty: number;
  private basis = BASIS_MEAN;
  private readonly levelCooldownUntilMs: Record<LevelKind, number> = { round: 0, high: 0, low: 0 };
  private readonly hourHighs = new Float64Array(60).fill(Number.NaN);
  private readonly hourLows = new Float64Array(60).fill(Number.NaN);
  /** The last hour's range of the mid, once at least five minutes of it exist. */
  private hourRange: { highUsd: number; lowUsd: number } | null = null;
  private readonly volume = new RollingDayVolume();
  private lastTradeTsMs = -1;
  private rankInMs = 0;

  constructor(
    readonly profile: SymbolProfile,
    seed: number,
    startMs: number,
    private readonly venue: Venue,
    private readonly onRegime?: (regime: Regime, tsMs: number) => void,
  ) {
    this.random = new SeededRandom(seed);
    this.logMid = Math.log(profile.startPriceUsd);
    this.lastTradePriceUsd = profile.startPriceUsd;
    this.lastEvolvedMs = startMs;
    this.openInterestQty = profile.baseOpenInterestQty;
    this.regimeEndsMs = startMs + regimeDurationMs(this.regime, this.random);
    this.driftPerSecond = this.random.normal() * REGIME_PARAMS.normal.trendPerSecond;
    this.nextTradeMs = startMs + this.tradeGapMs();
    this.nextRandomBurstMs = startMs + this.randomBurstGapMs();
    const usdPerMinute = profile.tradesPerSecond * 60 * profile.medianTradeNotionalUsd * LOGNORMAL_MEAN_FACTOR;
    this.volume.prefill(startMs, usdPerMinute / profile.startPriceUsd, usdPerMinute);
  }

  get midUsd(): number {
    return Math.exp(this.logMid);
  }

  /** When this symbol's next trade happens (fractional milliseconds). */
  nextEventMs(): number {
    const burstMs = this.burst ? (this.burst.timesMs[this.burst.next] as number) : Number.POSITIVE_INFINITY;
    return Math.min(this.nextTradeMs, burstMs);
  }

  /** Emits the trade due at nextEventMs() and schedules the one after. */
  emitTrade(out: MarketEvent[], klines: KlineBuilder): void {
    const burst = this.burst;
    if (burst && (burst.timesMs[burst.next] as number) <= this.nextTradeMs) {
      const t = burst.timesMs[burst.next] as number;
      this.evolveTo(t);
      this.logMid += burst.stepLog * burst.direction * (0.5 + this.random.next());
      const side = this.random.chance(0.8) ? burst.direction : -burst.direction;
      this.trade(t, side as 1 | -1, 1.5, 1.2, out, klines);
      burst.next += 1;
      if (burst.next >= burst.timesMs.length) this.burst = null;
      return;
    }
    const t = this.nextTradeMs;
    this.evolveTo(t);
    const buyProbability = 0.5 + Math.max(-0.15, Math.min(0.15, this.driftPerSecond * 2e4));
    this.trade(t, this.random.chance(buyProbability) ? 1 : -1, 1, 1, out, klines);
    this.checkLevels(t);
    this.nextTradeMs = t + this.tradeGapMs();
  }

  /** The once-a-second step: regimes, cascades, open interest and basis, the hour's range, 24 h volume. */
  onSecond(tMs: number): void {
    if (tMs >= this.regimeEndsMs) this.switchRegime(tMs);
    this.evolveTo(tMs);
    const params = REGIME_PARAMS[this.regime];
    if (params.cascadesPerMinute > 0 && !this.cascade && tMs >= this.nextCascadeMs) {
      this.cascade = { untilMs: tMs + this.random.intBetween(120, 240) * 1_000, nextBurstMs: tMs };
    }
    if (this.cascade) {
      if (tMs >= this.cascade.untilMs) {
        // The market needs a while to rebuild the leverage a cascade wiped out.
        this.cascade = null;
        this.cascadeRestUntilMs = tMs + CASCADE_REST_MS;
        this.nextCascadeMs = this.cascadeRestUntilMs + this.random.exponential(MINUTE_MS / params.cascadesPerMinute);
      } else if (tMs >= this.cascade.nextBurstMs && !this.burst) {
        this.startBurst(tMs, -1, 0.0025 + this.random.next() * 0.0035, 0.015 + this.random.next() * 0.015);
        this.cascade.nextBurstMs = tMs + this.random.intBetween(12, 25) * 1_000;
      }
    }
    if (tMs >= this.nextRandomBurstMs) {
      // Random bursts lean with the trend: 60 % of them push the way the drift points.
      const withTrend = this.random.chance(0.6);
      const direction: 1 | -1 = (this.driftPerSecond >= 0) === withTrend ? 1 : -1;
      if (!this.burst) this.startBurst(tMs + this.random.next() * 500, direction, 0.0002 + this.random.next() * 0.0008, 0.002);
      this.nextRandomBurstMs = tMs + this.randomBurstGapMs();
    }
    const oiTarget = Math.log(this.profile.baseOpenInterestQty);
    const logOi = Math.log(this.openInterestQty);
    this.openInterestQty = Math.exp(logOi + (oiTarget - logOi) * OI_REVERSION_PER_SECOND + 0.0004 * this.random.normal());
    this.basis += (BASIS_MEAN - this.basis) * BASIS_REVERSION_PER_SECOND + params.basisVolatilityPerSqrtSecond * this.random.normal();
    const mid = this.midUsd;
    const slot = Math.floor(tMs / MINUTE_MS) % 60;
    if (tMs % MINUTE_MS < 1_000) {
      this.hourHighs[slot] = mid;
      this.hourLows[slot] = mid;
    } else {
      this.hourHighs[slot] = Math.max(this.hourHighs[slot] as number, mid);
      this.hourLows[slot] = Math.min(this.hourLows[slot] as number, mid);
    }
    this.updateHourRange();
    this.volume.expire(tMs);
  }

  ticker(tMs: number): MarketEvent {
    const { bid, ask } = this.touch(this.midUsd);
    return {
      type: "market-ticker",
      payload: {
        ...this.base(tMs),
        bidPriceUsd: bid,
        askPriceUsd: ask,
        lastPriceUsd: this.lastTradePriceUsd,
        markPriceUsd: this.round(this.midUsd),
        indexPriceUsd: this.spotPriceUsd(),
        volume24hQty: this.roundQty(this.volume.volumeQty),
        turnover24hUsd: cents(this.volume.turnoverUsd),
      },
    };
  }

  /** The spot market of the same underlying, as a ticker: about a third of the perpetual's volume. */
  spotTicker(tMs: number): MarketEvent {
    const spot = this.spotPriceUsd();
    const { bid, ask } = this.touch(spot);
    return {
      type: "market-ticker",
      payload: {
        ...this.base(tMs),
        marketType: "spot",
        bidPriceUsd: bid,
        askPriceUsd: ask,
        lastPriceUsd: spot,
        volume24hQty: this.roundQty(this.volume.volumeQty / 3),
        turnover24hUsd: cents(this.volume.turnoverUsd / 3),
      },
    };
  }

  openInterest(tMs: number): MarketEvent {
    const qty = this.roundQty(this.openInterestQty);
    return { type: "market-open-interest", payload: { ...this.base(tMs), openInterestQty: qty, openInterestUsd: cents(qty * this.midUsd) } };
  }

  /** Funding follows the perpetual's premium over spot (−basis), around Bybit's 0.01 % base rate. */
  funding(tMs: number): MarketEvent {
    const raw = 0.0001 - 0.6 * this.basis + 0.00001 * this.random.normal();
    const fundingRate = Math.round(Math.max(-0.0075, Math.min(0.0075, raw)) * 1e6) / 1e6;
    return { type: "market-funding", payload: { ...this.base(tMs), fundingRate, nextFundingTsMs: (Math.floor(tMs / EIGHT_HOURS_MS) + 1) * EIGHT_HOURS_MS } };
  }

  private base(tMs: number) {
    return { version: 1 as const, venue: this.venue, marketType: "linear" as const, symbol: this.profile.symbol, venueTsMs: tMs, tsMs: tMs };
  }

  private trade(t: number, side: 1 | -1, sizeFactor: number, sizeSigma: number, out: MarketEvent[], klines: KlineBuilder): void {
    const tsMs = Math.floor(t);
    const { bid, ask } = this.touch(this.midUsd);
    const priceUsd = side > 0 ? ask : bid;
    const lot = this.profile.lotStepQty;
    const qty = Math.max(lot, this.roundQty(this.random.logNormal((this.profile.medianTradeNotionalUsd * sizeFactor) / priceUsd, sizeSigma)));
    this.rankInMs = tsMs === this.lastTradeTsMs ? this.rankInMs + 1 : 0;
    this.lastTradeTsMs = tsMs;
    this.lastTradePriceUsd = priceUsd;
    this.volume.add(tsMs, qty, qty * priceUsd);
    const symbol = this.profile.symbol;
    out.push({
      type: "market-trade",
      payload: { ...this.base(tsMs), tradeId: derivedTradeId(symbol, tsMs, this.rankInMs), side: side > 0 ? "buy" : "sell", priceUsd, qty },
    });
    klines.onTrade(symbol, tsMs, priceUsd, qty, out);
  }

  private evolveTo(t: number): void {
    const dtSeconds = (t - this.lastEvolvedMs) / 1_000;
    if (dtSeconds <= 0) return;
    const sigma = REGIME_PARAMS[this.regime].volatilityPerSqrtSecond * this.profile.volatilityScale;
    this.logMid += this.driftPerSecond * dtSeconds + sigma * Math.sqrt(dtSeconds) * this.random.normal();
    this.lastEvolvedMs = t;
  }

  private switchRegime(tMs: number): void {
    this.regime = nextRegime(this.regime, this.random);
    const params = REGIME_PARAMS[this.regime];
    this.regimeEndsMs = tMs + regimeDurationMs(this.regime, this.random);
    this.driftPerSecond = this.random.normal() * params.trendPerSecond * this.profile.volatilityScale;
    this.nextRandomBurstMs = tMs + this.randomBurstGapMs();
    this.nextCascadeMs =
      params.cascadesPerMinute > 0 ? Math.max(tMs, this.cascadeRestUntilMs) + this.random.exponential(MINUTE_MS / params.cascadesPerMinute) : Number.POSITIVE_INFINITY;
    if (this.regime !== "volatile") this.cascade = null;
    this.onRegime?.(this.regime, tMs);
  }

  /** A touched level may set off a burst: through it (a breakout) or away from it (a rejection). */
  private checkLevels(t: number): void {
    if (this.burst) return;
    const mid = this.midUsd;
    const step = this.profile.levelStepUsd;
    const candidates: [LevelKind, number][] = [["round", Math.round(mid / step) * step]];
    if (this.hourRange) candidates.push(["high", this.hourRange.highUsd], ["low", this.hourRange.lowUsd]);
    for (const [kind, level] of candidates) {
      if (Math.abs(mid - level) / mid > LEVEL_TOUCH_FRACTION || t < this.levelCooldownUntilMs[kind]) continue;
      this.levelCooldownUntilMs[kind] = t + LEVEL_COOLDOWN_MS;
      if (!this.random.chance(LEVEL_BURST_PROBABILITY)) continue;
      const towards: 1 | -1 = level >= mid ? 1 : -1;
      const direction = this.random.chance(0.5) ? towards : (-towards as 1 | -1);
      this.startBurst(t + 5 + this.random.next() * 45, direction, 0.0003 + this.random.next() * 0.0009, 0.004);
      return;
    }
  }

  private updateHourRange(): void {
    let highUsd = Number.NEGATIVE_INFINITY;
    let lowUsd = Number.POSITIVE_INFINITY;
    let minutes = 0;
    for (let i = 0; i < 60; i++) {
      const high = this.hourHighs[i] as number;
      if (Number.isNaN(high)) continue;
      minutes += 1;
      if (high > highUsd) highUsd = high;
      if ((this.hourLows[i] as number) < lowUsd) lowUsd = this.hourLows[i] as number;
    }
    this.hourRange = minutes > 5 ? { highUsd, lowUsd } : null;
  }

  /** Schedules a burst: `impact` is its total log-price move, `oiDrop` the open interest it liquidates. */
  private startBurst(startMs: number, direction: 1 | -1, impact: number, oiDrop: number): void {
    const count = Math.min(400, 50 + Math.floor(this.random.exponential(60)));
    const durationMs = this.random.intBetween(25, 90);
    const timesMs = new Float64Array(count);
    for (let i = 0; i < count; i++) timesMs[i] = startMs + this.random.next() * durationMs;
    timesMs.sort();
    this.burst = { timesMs, next: 0, direction, stepLog: impact / count };
    const drop = this.regime === "volatile" ? oiDrop : oiDrop / 4;
    this.openInterestQty *= 1 - drop;
    // Liquidations hit the perpetual first: a selling burst widens spot over perp.
    this.basis -= direction * impact * 0.1;
  }

  private spotPriceUsd(): number {
    return this.round(this.midUsd / (1 - this.basis));
  }

  private touch(mid: number): { bid: number; ask: number } {
    const tick = this.profile.tickSizeUsd;
    const half = (REGIME_PARAMS[this.regime].spreadTicks * tick) / 2;
    const bid = Math.max(tick, this.round(Math.floor((mid - half) / tick) * tick));
    return { bid, ask: Math.max(this.round(Math.ceil((mid + half) / tick) * tick), this.round(bid + tick)) };
  }

  private round(priceUsd: number): number {
    const tick = this.profile.tickSizeUsd;
    return Number((Math.round(priceUsd / tick) * tick).toFixed(decimalsOf(tick)));
  }

  private roundQty(qty: number): number {
    const lot = this.profile.lotStepQty;
    return Number((Math.round(qty / lot) * lot).toFixed(decimalsOf(lot)));
  }

  private tradeGapMs(): number {
    const rate = this.profile.tradesPerSecond * REGIME_PARAMS[this.regime].tradeRateMultiplier * (this.cascade ? 2 : 1);
    return this.random.exponential(1_000 / rate);
  }

  private randomBurstGapMs(): number {
    return this.random.exponential(MINUTE_MS / REGIME_PARAMS[this.regime].randomBurstsPerMinute);
  }
}

const cents = (usd: number): number => Math.round(usd * 100) / 100;

const decimalsOf = (step: number): number => {
  const text = step.toString();
  if (text.includes("e-")) return Number(text.split("e-")[1]);
  return text.includes(".") ? (text.split(".")[1] as string).length : 0;
};
