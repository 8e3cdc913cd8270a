// Volume confirmation (domain.md "Scavenger"): a trap fires when at least 50 individual trades occur
// within a sliding 100 ms window while price is within ±0.1 % of the trigger. Not aggregated messages,
// and not a window that starts at first touch: every trade in the band is a candidate window end.
//
// Each armed trap (a channel) owns a ring of the timestamps of its last `minTrades` in-band trades, in
// one flat Float64Array. After a trade is written, the slot it advanced to holds the oldest of those
// timestamps, so "minTrades trades within the window" is one comparison: oldest > now − windowMs, i.e.
// all of them lie in (now − windowMs, now]. With millisecond timestamps, 50 trades at t … t + 99 fire;
// 50 trades at t … t + 100 span 101 ms and do not. Trades outside the band are not counted and do not
// reset the ring. Timestamps are non-decreasing per symbol (the market-data guard drops the others).

import { capacityFor, grownFloat64, grownInt32 } from "./growable.js";

export interface VolumeConfirmationSettings {
  readonly minTrades: number;
  readonly windowMs: number;
  readonly priceTolerancePercent: number;
}

export class VolumeConfirmation {
  readonly minTrades: number;
  readonly windowMs: number;
  readonly toleranceFraction: number;
  private channelCapacity = 0;
  private ring = new Float64Array(0);
  private head = new Int32Array(0);
  private filled = new Int32Array(0);
  /** Band edges per channel; NaN while disarmed, so every comparison is false. */
  private low = new Float64Array(0);
  private high = new Float64Array(0);

  constructor(settings: VolumeConfirmationSettings, channels = 64) {
    if (!Number.isInteger(settings.minTrades) || settings.minTrades < 1) throw new RangeError(`minTrades must be a positive integer, got ${settings.minTrades}`);
    this.minTrades = settings.minTrades;
    this.windowMs = settings.windowMs;
    this.toleranceFraction = settings.priceTolerancePercent / 100;
    this.ensureChannels(channels);
  }

  ensureChannels(channels: number): void {
    if (channels <= this.channelCapacity) return;
    this.channelCapacity = capacityFor(channels, this.channelCapacity);
    this.ring = grownFloat64(this.ring, this.channelCapacity * this.minTrades, Number.NaN);
    this.head = grownInt32(this.head, this.channelCapacity);
    this.filled = grownInt32(this.filled, this.channelCapacity);
    this.low = grownFloat64(this.low, this.channelCapacity, Number.NaN);
    this.high = grownFloat64(this.high, this.channelCapacity, Number.NaN);
  }

  /** Starts watching `channel` around a trigger, forgetting any earlier trades. */
  arm(channel: number, triggerPriceUsd: number): void {
    this.ensureChannels(channel + 1);
    this.low[channel] = triggerPriceUsd * (1 - this.toleranceFraction);
    this.high[channel] = triggerPriceUsd * (1 + this.toleranceFraction);
    this.head[channel] = 0;
    this.filled[channel] = 0;
  }

  disarm(channel: number): void {
    if (channel >= this.channelCapacity) return;
    this.low[channel] = Number.NaN;
    this.high[channel] = Number.NaN;
    this.filled[channel] = 0;
  }

  isArmed(channel: number): boolean {
    return channel < this.channelCapacity && !Number.isNaN(this.low[channel]);
  }

  bandLow(channel: number): number {
    return channel < this.channelCapacity ? (this.low[channel] as number) : Number.NaN;
  }

  bandHigh(channel: number): number {
    return channel < this.channelCapacity ? (this.high[channel] as number) : Number.NaN;
  }

  /** Whether a trade at `priceUsd` is within the channel's band (never while disarmed). */
  inBand(channel: number, priceUsd: number): boolean {
    return priceUsd >= (this.low[channel] as number) && priceUsd <= (this.high[channel] as number);
  }

  /** One trade on the channel's symbol; true when it completes a confirmed burst. Allocation-free. */
  offer(channel: number, priceUsd: number, tsMs: number): boolean {
    if (!(priceUsd >= (this.low[channel] as number) && priceUsd <= (this.high[channel] as number))) return false;
    const n = this.minTrades;
    const base = channel * n;
    let head = this.head[channel] as number;
    this.ring[base + head] = tsMs;
    head = head + 1 === n ? 0 : head + 1;
    this.head[channel] = head;
    const filled = Math.min((this.filled[channel] as number) + 1, n);
    this.filled[channel] = filled;
    return filled === n && (this.ring[base + head] as number) > tsMs - this.windowMs;
  }

  /** In-band trades of the channel within the window ending at `nowMs` (for the active-traps view). */
  recentTrades(channel: number, nowMs: number): number {
    if (!this.isArmed(channel)) return 0;
    const n = this.minTrades;
    const filled = this.filled[channel] as number;
    let count = 0;
    for (let k = 1; k <= filled; k++) {
      const ts = this.ring[channel * n + (((this.head[channel] as number) - k + n) % n)] as number;
      if (ts > nowMs - this.windowMs && ts <= nowMs) count++;
    }
    return count;
  }
}
