// Reconciliation (domain.md "Execution"): the shadow state against the venue, position by position and
// order by order. It only reports: a mismatch is an event and a metric at once, three consecutive
// mismatching cycles raise the HALTED cause, and nothing here ever changes the shadow state.

export const MISMATCH_KINDS = ["missing-in-shadow", "missing-at-exchange", "side", "size"] as const;
export type MismatchKind = (typeof MISMATCH_KINDS)[number];

export interface Mismatch {
  readonly kind: MismatchKind;
  readonly subject: "position" | "order";
  readonly symbol: string;
  /** The order's client id (or venue id) for order mismatches. */
  readonly orderId?: string;
  readonly shadow: string;
  readonly exchange: string;
}

export interface ComparablePosition {
  readonly symbol: string;
  readonly side: "long" | "short" | "flat";
  readonly qty: number;
}

/**
 * The shadow position as it stood at the venue's snapshot time: fills the shadow state recorded with a
 * later venue time are taken back out, so a fill in flight while the venue answered is no mismatch.
 * Only side and size matter to the comparison.
 */
export function positionAsOf(position: ComparablePosition, laterFills: readonly { side: "buy" | "sell"; qty: number }[], lotStepQty: number): ComparablePosition {
  const signed = (position.side === "long" ? 1 : position.side === "short" ? -1 : 0) * position.qty;
  const before = laterFills.reduce((sum, f) => sum - (f.side === "buy" ? f.qty : -f.qty), signed);
  const snapped = Math.round(before / lotStepQty) * lotStepQty;
  const qty = Number(Math.abs(snapped).toFixed(12));
  return { symbol: position.symbol, side: qty === 0 ? "flat" : snapped > 0 ? "long" : "short", qty };
}

export interface ComparableOrder {
  readonly key: string;
  readonly symbol: string;
  readonly side: "buy" | "sell";
  /** Quantity still working. */
  readonly leavesQty: number;
  readonly updatedTsMs: number;
}

const describe = (p: ComparablePosition | undefined): string => (p && p.side !== "flat" && p.qty > 0 ? `${p.side} ${p.qty}` : "flat");

/**
 * Position mismatches. A size difference counts only beyond one lot step (float residue and rounding
 * on the venue's side are not a mismatch).
 */
export function comparePositions(shadow: readonly ComparablePosition[], exchange: readonly ComparablePosition[], lotStepOf: (symbol: string) => number): Mismatch[] {
  const symbols = new Set([...shadow, ...exchange].map((p) => p.symbol));
  const out: Mismatch[] = [];
  for (const symbol of [...symbols].sort()) {
    const s = shadow.find((p) => p.symbol === symbol);
    const e = exchange.find((p) => p.symbol === symbol);
    const sOpen = s !== undefined && s.side !== "flat" && s.qty > 0;
    const eOpen = e !== undefined && e.side !== "flat" && e.qty > 0;
    const base = { subject: "position" as const, symbol, shadow: describe(s), exchange: describe(e) };
    if (!sOpen && !eOpen) continue;
    if (!sOpen) out.push({ kind: "missing-in-shadow", ...base });
    else if (!eOpen) out.push({ kind: "missing-at-exchange", ...base });
    else if (s.side !== e.side) out.push({ kind: "side", ...base });
    else if (Math.abs(s.qty - e.qty) > lotStepOf(symbol) * (1 + 1e-9)) out.push({ kind: "size", ...base });
  }
  return out;
}

/**
 * Open-order mismatches. Orders that changed within `graceMs` of the comparison are left out: their
 * report may still be on its way, and the next cycle sees them settled.
 */
export function compareOpenOrders(shadow: readonly ComparableOrder[], exchange: readonly ComparableOrder[], nowMs: number, graceMs: number): Mismatch[] {
  const settled = (o: ComparableOrder) => nowMs - o.updatedTsMs >= graceMs;
  const out: Mismatch[] = [];
  const exchangeByKey = new Map(exchange.map((o) => [o.key, o]));
  const shadowByKey = new Map(shadow.map((o) => [o.key, o]));
  for (const o of shadow) {
    const e = exchangeByKey.get(o.key);
    if (!e && settled(o)) out.push({ kind: "missing-at-exchange", subject: "order", symbol: o.symbol, orderId: o.key, shadow: `${o.side} ${o.leavesQty}`, exchange: "none" });
    else if (e && e.side !== o.side) out.push({ kind: "side", subject: "order", symbol: o.symbol, orderId: o.key, shadow: o.side, exchange: e.side });
  }
  for (const e of exchange) {
    if (!shadowByKey.has(e.key) && settled(e)) out.push({ kind: "missing-in-shadow", subject: "order", symbol: e.symbol, orderId: e.key, shadow: "none", exchange: `${e.side} ${e.leavesQty}` });
  }
  return out.sort((a, b) => (a.orderId ?? "").localeCompare(b.orderId ?? ""));
}

export interface ReconciliationTally {
  /** Mismatching cycles in a row; a clean cycle resets it. */
  readonly consecutiveMismatching: number;
  /** When the last clean cycle finished; null before the first. */
  readonly lastCleanAtMs: number | null;
}

export const INITIAL_TALLY: ReconciliationTally = { consecutiveMismatching: 0, lastCleanAtMs: null };

export interface CycleVerdict {
  readonly tally: ReconciliationTally;
  readonly outcome: "clean" | "mismatch";
  /** True on the cycle that reaches the limit (and every one after while mismatches last). */
  readonly halt: boolean;
}

/** Folds one finished cycle into the tally. A failed cycle (venue unreachable) is not a verdict: the caller keeps the tally. */
export function foldCycle(tally: ReconciliationTally, mismatches: readonly Mismatch[], finishedAtMs: number, haltAfterCycles = 3): CycleVerdict {
  if (mismatches.length === 0) return { tally: { consecutiveMismatching: 0, lastCleanAtMs: finishedAtMs }, outcome: "clean", halt: false };
  const consecutiveMismatching = tally.consecutiveMismatching + 1;
  return { tally: { ...tally, consecutiveMismatching }, outcome: "mismatch", halt: consecutiveMismatching >= haltAfterCycles };
}
