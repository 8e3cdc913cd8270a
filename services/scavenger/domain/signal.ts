// What the strategy core emits when a trap fires: plain data, identical for identical input. The id is
// derived from (symbol, trap type, trigger level, time), so a replayed event sequence re-creates the same
// ids and the brain's duplicate check makes a second copy harmless. `toSignalMessage` turns it into the
// bus contract once the service knows the phase's allocation.

import { createHash } from "node:crypto";
import type { Signal } from "../../shared/contracts/index.js";
import type { SizeProposal } from "./sizing.js";
import type { TrapSide, TrapType } from "./trap.js";

export interface ScavengerSignal {
  readonly signalId: string;
  readonly symbol: string;
  readonly side: TrapSide;
  readonly trapType: TrapType;
  readonly levelPriceUsd: number;
  readonly triggerPriceUsd: number;
  /** The confirmation band: where the burst traded. */
  readonly entryZone: { readonly lowPriceUsd: number; readonly highPriceUsd: number };
  readonly stopLossPriceUsd: number;
  readonly takeProfits: readonly { readonly priceUsd: number; readonly fraction: number }[];
  /** 0–100. */
  readonly confidence: number;
  readonly leverage: number;
  readonly size: SizeProposal;
  /** The parameter version that produced it (0 for an unversioned set, such as a backtest candidate). */
  readonly configVersion: number;
  /** Time of the trade that completed the confirming burst. */
  readonly tsMs: number;
}

/** A UUID (RFC 9562 version 8) from SHA-256 of the signal's identity. Hashing is computation, not I/O. */
export function signalIdFor(symbol: string, trapType: TrapType, triggerPriceUsd: number, tsMs: number): string {
  const bytes = createHash("sha256").update(JSON.stringify(["scavenger-signal", symbol, trapType, triggerPriceUsd, tsMs]), "utf8").digest();
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Requested notional: allocation × proposed margin fraction × leverage. */
export function requestedNotionalUsd(signal: ScavengerSignal, allocationUsd: number): number {
  const notional = allocationUsd * signal.size.marginFraction * signal.leverage;
  return Number.isFinite(notional) && notional > 0 ? notional : 0;
}

/**
 * The bus message for the brain (phase 1), or null when the proposal sizes to nothing. `venueTsMs` is
 * the venue's time of the firing trade, when the adapter has it.
 */
export function toSignalMessage(signal: ScavengerSignal, allocationUsd: number, venueTsMs?: number): Signal | null {
  const notional = requestedNotionalUsd(signal, allocationUsd);
  if (notional <= 0) return null;
  return {
    version: 1,
    signalId: signal.signalId,
    phase: 1,
    symbol: signal.symbol,
    side: signal.side,
    requestedNotionalUsd: notional,
    leverage: signal.leverage,
    entryZone: { lowPriceUsd: signal.entryZone.lowPriceUsd, highPriceUsd: signal.entryZone.highPriceUsd },
    stopLossPriceUsd: signal.stopLossPriceUsd,
    takeProfits: signal.takeProfits.map((tp) => ({ priceUsd: tp.priceUsd, fraction: tp.fraction })),
    confidence: signal.confidence,
    trapType: signal.trapType,
    triggerPriceUsd: signal.triggerPriceUsd,
    configVersion: signal.configVersion,
    ...(venueTsMs === undefined ? {} : { venueTsMs }),
    tsMs: signal.tsMs,
  };
}
