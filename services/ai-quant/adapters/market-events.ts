// The recorded market events the scavenger's detectors read, turned into the tape's event table. What is
// kept, and under which symbol, is what the live service does with each message (services/scavenger/
// engine.ts): open interest and funding of the perpetual; a spot ticker's last price, or a spot trade's
// price, as the spot price of the perpetual `perpSymbolOf` names. Everything else is left out.

import { readFile } from "node:fs/promises";
import type { MarketEvent } from "../../execution/market-data/events.js";
import { BLOCK_KIND_EVENTS, scanChunk } from "../../execution/market-data/tape/format.js";
import { dayStartMs, DAY_MS, listChunks, listDays } from "../../execution/market-data/tape/paths.js";
import { perpSymbolOf } from "../../scavenger/adapters/market-decode.js";
import { TAPE_EVENT_KINDS, type TapeEventKind } from "../../scavenger/domain/index.js";
import type { QuantTapeEvents } from "../domain/tape.js";

const KIND: Readonly<Record<TapeEventKind, number>> = Object.fromEntries(TAPE_EVENT_KINDS.map((kind, i) => [kind, i])) as Record<TapeEventKind, number>;

interface Row {
  readonly kind: number;
  readonly symbol: number;
  readonly tsMs: number;
  readonly value: number;
}

/** The event as the live scavenger would take it: kind, the perpetual it is about, its value; null when it would ignore it. */
function rowOf(event: MarketEvent, symbolIndex: ReadonlyMap<string, number>): Row | null {
  const p = event.payload;
  const perp = (name: string) => symbolIndex.get(name);
  switch (event.type) {
    case "market-open-interest": {
      const symbol = p.marketType === "linear" ? perp(p.symbol) : undefined;
      return symbol === undefined ? null : { kind: KIND["open-interest"], symbol, tsMs: p.venueTsMs, value: event.payload.openInterestQty };
    }
    case "market-funding": {
      const symbol = p.marketType === "linear" ? perp(p.symbol) : undefined;
      return symbol === undefined ? null : { kind: KIND.funding, symbol, tsMs: p.venueTsMs, value: event.payload.fundingRate };
    }
    case "market-ticker": {
      const symbol = p.marketType === "spot" ? perp(perpSymbolOf(p.symbol)) : undefined;
      return symbol === undefined ? null : { kind: KIND["spot-price"], symbol, tsMs: p.venueTsMs, value: event.payload.lastPriceUsd };
    }
    case "market-trade": {
      const symbol = p.marketType === "spot" ? perp(perpSymbolOf(p.symbol)) : undefined;
      return symbol === undefined ? null : { kind: KIND["spot-price"], symbol, tsMs: p.venueTsMs, value: event.payload.priceUsd };
    }
    default:
      return null;
  }
}

/** Growable typed columns of event rows; sorted by time (stably) once, at the end, if they came out of order. */
export class TapeEventCollector {
  private readonly symbolIndex: ReadonlyMap<string, number>;
  private length = 0;
  private kind = new Uint8Array(1_024);
  private symbol = new Uint16Array(1_024);
  private tsMs = new Float64Array(1_024);
  private value = new Float64Array(1_024);
  private inOrder = true;

  constructor(
    symbols: readonly string[],
    private readonly fromMs = Number.NEGATIVE_INFINITY,
    private readonly toMs = Number.POSITIVE_INFINITY,
  ) {
    this.symbolIndex = new Map(symbols.map((name, i) => [name, i]));
  }

  /** Keeps the event if the live scavenger would act on it and it lies in [fromMs, toMs). */
  add(event: MarketEvent): void {
    const row = rowOf(event, this.symbolIndex);
    if (!row || !(row.tsMs >= this.fromMs && row.tsMs < this.toMs)) return;
    if (this.length === this.tsMs.length) this.grow();
    const i = this.length++;
    if (i > 0 && row.tsMs < (this.tsMs[i - 1] as number)) this.inOrder = false;
    this.kind[i] = row.kind;
    this.symbol[i] = row.symbol;
    this.tsMs[i] = row.tsMs;
    this.value[i] = row.value;
  }

  finish(): QuantTapeEvents {
    const n = this.length;
    if (this.inOrder) return { kind: this.kind.slice(0, n), symbolIndex: this.symbol.slice(0, n), tsMs: this.tsMs.slice(0, n), value: this.value.slice(0, n) };
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (this.tsMs[a] as number) - (this.tsMs[b] as number) || a - b);
    return {
      kind: Uint8Array.from(order, (i) => this.kind[i] as number),
      symbolIndex: Uint16Array.from(order, (i) => this.symbol[i] as number),
      tsMs: Float64Array.from(order, (i) => this.tsMs[i] as number),
      value: Float64Array.from(order, (i) => this.value[i] as number),
    };
  }

  private grow(): void {
    const size = this.tsMs.length * 2;
    const grown = <T extends Uint8Array | Uint16Array | Float64Array>(old: T, next: T): T => {
      next.set(old);
      return next;
    };
    this.kind = grown(this.kind, new Uint8Array(size));
    this.symbol = grown(this.symbol, new Uint16Array(size));
    this.tsMs = grown(this.tsMs, new Float64Array(size));
    this.value = grown(this.value, new Float64Array(size));
  }
}

/** The events about `symbols` in [fromMs, toMs), in time order (events of one time keep the order given). */
export function tapeEventsFrom(events: Iterable<MarketEvent>, symbols: readonly string[], fromMs = Number.NEGATIVE_INFINITY, toMs = Number.POSITIVE_INFINITY): QuantTapeEvents {
  const collector = new TapeEventCollector(symbols, fromMs, toMs);
  for (const event of events) collector.add(event);
  return collector.finish();
}

/** The tape's recorded events of `symbols` in [fromMs, toMs) (event blocks only: trades are not inflated). */
export async function readTapeEvents(dir: string, symbols: readonly string[], fromMs: number, toMs: number): Promise<{ events: QuantTapeEvents; problems: string[] }> {
  const collector = new TapeEventCollector(symbols, fromMs, toMs);
  const problems: string[] = [];
  const eventsOnly = new Set([BLOCK_KIND_EVENTS]);
  for (const symbol of symbols) {
    const days = (await listDays(dir, symbol)).filter((day) => dayStartMs(day) + DAY_MS > fromMs && dayStartMs(day) < toMs);
    for (const day of days) {
      for (const chunk of await listChunks(dir, symbol, day)) {
        const scan = scanChunk(await readFile(chunk.path), eventsOnly);
        if (scan.problem !== null) problems.push(`${chunk.path}: ${scan.problem}`);
        for (const block of scan.blocks) if (block.kind === BLOCK_KIND_EVENTS) for (const event of block.events) collector.add(event);
      }
    }
  }
  return { events: collector.finish(), problems };
}
