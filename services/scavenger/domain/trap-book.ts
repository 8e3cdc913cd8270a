// The armed traps: one slot per (symbol, trap type, side), each with its plan and its volume
// confirmation channel. A per-symbol envelope (lowest band edge to highest) lets the trade path reject
// a trade far from every trap with two comparisons. Re-arming a slot with the same trigger keeps its
// confirmation progress, so the minute's recomputation does not reset a burst in progress. Each symbol
// also keeps the list of its armed slots, so a trade near its traps visits those (two or three) rather
// than every slot.

import type { Cooldowns } from "./cooldowns.js";
import { capacityFor, grownFloat64, grownInt32 } from "./growable.js";
import { SLOTS_PER_SYMBOL, TRAP_TYPES, slotOf, type TrapPlan, type TrapType } from "./trap.js";
import { VolumeConfirmation, type VolumeConfirmationSettings } from "./volume-confirmation.js";

export class TrapBook {
  readonly confirmation: VolumeConfirmation;
  /** Lowest band edge of a symbol's armed traps; +∞ with none armed. */
  nearLow = new Float64Array(0);
  /** Highest band edge; −∞ with none armed. */
  nearHigh = new Float64Array(0);
  private capacity = 0;
  private plans: (TrapPlan | undefined)[] = [];
  private armedAtTsMs = new Float64Array(0);
  /** Per symbol, its armed slots in ascending order (the first `armedSlotCount` of its SLOTS_PER_SYMBOL). */
  private armedSlots = new Int32Array(0);
  private armedSlotCount = new Int32Array(0);
  /** Slots that completed a burst on the current trade; reused, never reallocated per trade. */
  private readonly firedScratch = new Int32Array(SLOTS_PER_SYMBOL);

  constructor(settings: VolumeConfirmationSettings, symbols = 8) {
    this.confirmation = new VolumeConfirmation(settings, symbols * SLOTS_PER_SYMBOL);
    this.ensureSymbols(symbols);
  }

  ensureSymbols(symbols: number): void {
    if (symbols <= this.capacity) return;
    this.capacity = capacityFor(symbols, this.capacity);
    this.nearLow = grownFloat64(this.nearLow, this.capacity, Number.POSITIVE_INFINITY);
    this.nearHigh = grownFloat64(this.nearHigh, this.capacity, Number.NEGATIVE_INFINITY);
    this.armedAtTsMs = grownFloat64(this.armedAtTsMs, this.capacity * SLOTS_PER_SYMBOL, Number.NaN);
    this.armedSlots = grownInt32(this.armedSlots, this.capacity * SLOTS_PER_SYMBOL);
    this.armedSlotCount = grownInt32(this.armedSlotCount, this.capacity);
    this.plans.length = this.capacity * SLOTS_PER_SYMBOL;
    this.confirmation.ensureChannels(this.capacity * SLOTS_PER_SYMBOL);
  }

  plan(symbol: number, slot: number): TrapPlan | undefined {
    return this.plans[symbol * SLOTS_PER_SYMBOL + slot];
  }

  armedAt(symbol: number, slot: number): number {
    return this.armedAtTsMs[symbol * SLOTS_PER_SYMBOL + slot] as number;
  }

  /**
   * Makes the symbol's slots of the `managed` trap types hold exactly `plans`. A slot whose trigger is
   * unchanged keeps its confirmation progress; with `keepArmed`, an armed slot keeps its plan as it is
   * (a detector's trigger is the price at detection and must not follow the market).
   */
  sync(symbol: number, plans: readonly TrapPlan[], managed: ReadonlySet<TrapType>, tsMs: number, keepArmed = false): void {
    this.ensureSymbols(symbol + 1);
    const wanted = new Map<number, TrapPlan>();
    for (const plan of plans) if (managed.has(plan.trapType)) wanted.set(slotOf(plan.trapType, plan.side), plan);
    for (let slot = 0; slot < SLOTS_PER_SYMBOL; slot++) {
      if (!managed.has(TRAP_TYPES[slot >> 1] as TrapType)) continue;
      const channel = symbol * SLOTS_PER_SYMBOL + slot;
      const next = wanted.get(slot);
      const current = this.plans[channel];
      if (!next) {
        if (current) this.disarmChannel(channel);
        continue;
      }
      if (current && (keepArmed || current.triggerPriceUsd === next.triggerPriceUsd)) {
        if (!keepArmed) this.plans[channel] = next;
        continue;
      }
      this.plans[channel] = next;
      this.armedAtTsMs[channel] = tsMs;
      this.confirmation.arm(channel, next.triggerPriceUsd);
    }
    this.refreshEnvelope(symbol);
  }

  disarm(symbol: number, slot: number): void {
    this.disarmChannel(symbol * SLOTS_PER_SYMBOL + slot);
    this.refreshEnvelope(symbol);
  }

  disarmSymbol(symbol: number): void {
    if (symbol >= this.capacity) return;
    for (let slot = 0; slot < SLOTS_PER_SYMBOL; slot++) if (this.plans[symbol * SLOTS_PER_SYMBOL + slot]) this.disarmChannel(symbol * SLOTS_PER_SYMBOL + slot);
    this.refreshEnvelope(symbol);
  }

  disarmAll(): void {
    for (let symbol = 0; symbol < this.capacity; symbol++) this.disarmSymbol(symbol);
  }

  /**
   * Offers a trade near the symbol's traps to each armed slot whose trap type is not cooling down.
   * Returns how many slots completed a burst; their numbers are in `fired()`. Allocation-free.
   */
  offer(symbol: number, priceUsd: number, tsMs: number, cooldowns: Cooldowns): number {
    let fired = 0;
    const base = symbol * SLOTS_PER_SYMBOL;
    const armed = this.armedSlotCount[symbol] as number;
    // Ascending slots, as a scan of every slot would visit them: signals keep their order.
    for (let k = 0; k < armed; k++) {
      const slot = this.armedSlots[base + k] as number;
      const channel = base + slot;
      // Most trades near a symbol's traps are in none of their narrow bands: that test comes first.
      if (!this.confirmation.inBand(channel, priceUsd) || cooldowns.isCoolingAt(symbol, slot >> 1, tsMs)) continue;
      if (this.confirmation.offer(channel, priceUsd, tsMs)) this.firedScratch[fired++] = slot;
    }
    return fired;
  }

  fired(): Int32Array {
    return this.firedScratch;
  }

  armedCount(): number {
    let count = 0;
    for (const plan of this.plans) if (plan) count++;
    return count;
  }

  private disarmChannel(channel: number): void {
    this.plans[channel] = undefined;
    this.armedAtTsMs[channel] = Number.NaN;
    this.confirmation.disarm(channel);
  }

  /** After any change to a symbol's slots: its envelope and its list of armed slots. */
  private refreshEnvelope(symbol: number): void {
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    let armed = 0;
    for (let slot = 0; slot < SLOTS_PER_SYMBOL; slot++) {
      const channel = symbol * SLOTS_PER_SYMBOL + slot;
      if (!this.plans[channel]) continue;
      low = Math.min(low, this.confirmation.bandLow(channel));
      high = Math.max(high, this.confirmation.bandHigh(channel));
      this.armedSlots[symbol * SLOTS_PER_SYMBOL + armed++] = slot;
    }
    this.nearLow[symbol] = low;
    this.nearHigh[symbol] = high;
    this.armedSlotCount[symbol] = armed;
  }
}
