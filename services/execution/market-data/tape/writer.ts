// Records market data to the tape: trades as columnar blocks, tickers, open interest and funding as
// event blocks, per symbol and UTC day (klines are not taped: replay rebuilds them from the trades, and
// PostgreSQL keeps the venue's). Buffers in memory and appends one block per symbol-day every flush
// (every 5 s, or sooner when the buffer fills: longer blocks compress better). Chunks are opened
// exclusively, appended only, and rotated at a size cap; after a failed write the chunk is abandoned so
// nothing is ever appended behind a torn block. Data still buffered when the process dies is lost: at
// most one flush interval's worth.

import { mkdir, open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { Clock } from "../../../shared/clock.js";
import type { MarketEvent } from "../events.js";
import { encodeEventsBlock, encodeTradesBlock } from "./format.js";
import { chunkName, listChunks, symbolFolder, utcDay } from "./paths.js";

export interface TapeWriterOptions {
  readonly dir: string;
  readonly clock: Clock;
  readonly flushIntervalMs?: number;
  /** Rows buffered (all symbols) before a flush is started early. */
  readonly maxBufferedRows?: number;
  readonly maxChunkBytes?: number;
  /** How often written chunks are fsync'ed (a power cut loses at most this much). */
  readonly syncIntervalMs?: number;
  readonly onBytesWritten?: (bytes: number) => void;
  readonly onError?: (err: unknown) => void;
}

interface DayBuffer {
  readonly symbol: string;
  readonly day: string;
  tsMs: number[];
  priceUsd: number[];
  qty: number[];
  sideSign: number[];
  events: MarketEvent[];
}

interface OpenChunk {
  readonly handle: FileHandle;
  readonly path: string;
  readonly day: string;
  bytes: number;
  dirty: boolean;
}

export class TapeWriter {
  private buffers = new Map<string, DayBuffer>();
  private bufferedRows = 0;
  private readonly chunks = new Map<string, OpenChunk>();
  private flushing: Promise<void> = Promise.resolve();
  private cancelTimer: (() => void) | null = null;
  private lastSyncMs: number;
  private closed = false;
  private readonly flushIntervalMs: number;
  private readonly maxBufferedRows: number;
  private readonly maxChunkBytes: number;
  private readonly syncIntervalMs: number;

  constructor(private readonly options: TapeWriterOptions) {
    this.flushIntervalMs = options.flushIntervalMs ?? 5_000;
    this.maxBufferedRows = options.maxBufferedRows ?? 50_000;
    this.maxChunkBytes = options.maxChunkBytes ?? 64 * 1024 * 1024;
    this.syncIntervalMs = options.syncIntervalMs ?? 5_000;
    if (!(this.flushIntervalMs > 0) || !(this.maxBufferedRows > 0) || !(this.maxChunkBytes > 0)) throw new RangeError("tape writer: intervals and sizes must be positive");
    this.lastSyncMs = options.clock.nowMs();
    this.arm();
  }

  /** Buffers a batch; klines are skipped. */
  record(batch: readonly MarketEvent[]): void {
    if (this.closed) throw new Error("tape writer is closed");
    for (const event of batch) {
      if (event.type === "market-kline") continue;
      const p = event.payload;
      const buffer = this.bufferFor(p.symbol, utcDay(p.venueTsMs));
      if (event.type === "market-trade") {
        buffer.tsMs.push(event.payload.venueTsMs);
        buffer.priceUsd.push(event.payload.priceUsd);
        buffer.qty.push(event.payload.qty);
        buffer.sideSign.push(event.payload.side === "buy" ? 1 : -1);
      } else {
        buffer.events.push(event);
      }
      this.bufferedRows += 1;
    }
    if (this.bufferedRows >= this.maxBufferedRows) void this.flush();
  }

  /** Writes everything buffered so far; resolves once it is on disk (not necessarily synced). */
  flush(): Promise<void> {
    const buffers = this.buffers;
    this.buffers = new Map();
    this.bufferedRows = 0;
    this.flushing = this.flushing.then(() => this.write(buffers));
    return this.flushing;
  }

  /** Chunks still being appended to: an archiver must leave them alone until they are closed. */
  openChunkPaths(): ReadonlySet<string> {
    return new Set([...this.chunks.values()].map((c) => c.path));
  }

  /** Flushes, syncs and closes every chunk. */
  async close(): Promise<void> {
    if (this.closed) return this.flushing;
    this.cancelTimer?.();
    await this.flush();
    this.closed = true;
    await this.sync();
    for (const [key, chunk] of this.chunks) {
      this.chunks.delete(key);
      await chunk.handle.close().catch((err: unknown) => this.options.onError?.(err));
    }
  }

  private arm(): void {
    this.cancelTimer = this.options.clock.setTimer(this.flushIntervalMs, () => {
      if (this.closed) return;
      void this.flush();
      this.arm();
    });
  }

  private bufferFor(symbol: string, day: string): DayBuffer {
    const key = `${symbol}\u0000${day}`;
    let buffer = this.buffers.get(key);
    if (!buffer) {
      buffer = { symbol, day, tsMs: [], priceUsd: [], qty: [], sideSign: [], events: [] };
      this.buffers.set(key, buffer);
    }
    return buffer;
  }

  private async write(buffers: Map<string, DayBuffer>): Promise<void> {
    for (const buffer of buffers.values()) {
      const parts: Buffer[] = [];
      try {
        if (buffer.tsMs.length > 0) {
          parts.push(
            encodeTradesBlock({
              tsMs: Float64Array.from(buffer.tsMs),
              priceUsd: Float64Array.from(buffer.priceUsd),
              qty: Float64Array.from(buffer.qty),
              sideSign: Int8Array.from(buffer.sideSign),
            }),
          );
        }
        if (buffer.events.length > 0) parts.push(encodeEventsBlock(buffer.events));
        await this.append(buffer.symbol, buffer.day, Buffer.concat(parts));
      } catch (err) {
        this.options.onError?.(err);
      }
    }
    if (this.options.clock.nowMs() - this.lastSyncMs >= this.syncIntervalMs) await this.sync();
  }

  private async append(symbol: string, day: string, bytes: Buffer): Promise<void> {
    if (bytes.length === 0) return;
    let chunk = this.chunks.get(symbol);
    if (chunk && (chunk.day !== day || chunk.bytes >= this.maxChunkBytes)) {
      // A new day (or a full chunk) closes the old one; a late trade of an earlier day opens a chunk of its own.
      this.chunks.delete(symbol);
      await chunk.handle.sync().catch(() => undefined);
      await chunk.handle.close().catch(() => undefined);
      chunk = undefined;
    }
    if (!chunk) {
      chunk = await this.openChunk(symbol, day);
      this.chunks.set(symbol, chunk);
    }
    try {
      await chunk.handle.appendFile(bytes);
    } catch (err) {
      // The chunk may now end in a torn block: never append behind it again.
      this.chunks.delete(symbol);
      await chunk.handle.close().catch(() => undefined);
      throw err;
    }
    chunk.bytes += bytes.length;
    chunk.dirty = true;
    this.options.onBytesWritten?.(bytes.length);
  }

  private async openChunk(symbol: string, day: string): Promise<OpenChunk> {
    const folder = join(this.options.dir, symbolFolder(symbol));
    await mkdir(folder, { recursive: true });
    const existing = await listChunks(this.options.dir, symbol, day);
    let seq = (existing.at(-1)?.seq ?? 0) + 1;
    for (;;) {
      try {
        const path = join(folder, chunkName(day, seq));
        const handle = await open(path, "ax");
        return { handle, path, day, bytes: 0, dirty: false };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        seq += 1;
      }
    }
  }

  private async sync(): Promise<void> {
    this.lastSyncMs = this.options.clock.nowMs();
    for (const chunk of this.chunks.values()) {
      if (!chunk.dirty) continue;
      chunk.dirty = false;
      await chunk.handle.datasync().catch((err: unknown) => this.options.onError?.(err));
    }
  }
}
