// Cooldown per (symbol, trap type) after a trap fires (domain.md: 5 minutes). Kept apart from the armed
// traps on purpose: the minute's recomputation replaces every trap level, and the cooldown must survive it.

import { capacityFor, grownFloat64 } from "./growable.js";
import { TRAP_TYPES, trapTypeIndex, type TrapType } from "./trap.js";

const TYPES = TRAP_TYPES.length;

export class Cooldowns {
  private capacity = 0;
  /** Time from which the trap may fire again; −∞ when it never fired. */
  private untilTsMs = new Float64Array(0);

  constructor(symbols = 8) {
    this.ensureSymbols(symbols);
  }

  ensureSymbols(symbols: number): void {
    if (symbols <= this.capacity) return;
    this.capacity = capacityFor(symbols, this.capacity);
    this.untilTsMs = grownFloat64(this.untilTsMs, this.capacity * TYPES, Number.NEGATIVE_INFINITY);
  }

  start(symbol: number, trapType: TrapType, firedTsMs: number, cooldownMs: number): void {
    this.ensureSymbols(symbol + 1);
    this.untilTsMs[symbol * TYPES + trapTypeIndex(trapType)] = firedTsMs + cooldownMs;
  }

  /** By type index, for the trade path: no string lookup. */
  isCoolingAt(symbol: number, typeIndex: number, tsMs: number): boolean {
    return symbol < this.capacity && tsMs < (this.untilTsMs[symbol * TYPES + typeIndex] as number);
  }

  isCooling(symbol: number, trapType: TrapType, tsMs: number): boolean {
    return this.isCoolingAt(symbol, trapTypeIndex(trapType), tsMs);
  }

  /** When the trap may fire again, or null when it is not cooling at `tsMs`. */
  coolingUntil(symbol: number, trapType: TrapType, tsMs: number): number | null {
    return this.isCooling(symbol, trapType, tsMs) ? (this.untilTsMs[symbol * TYPES + trapTypeIndex(trapType)] as number) : null;
  }
}
