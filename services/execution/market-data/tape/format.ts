// The tape's on-disk block format. A chunk file is a sequence of self-checking blocks, each written in
// one append:
//
//   header (24 bytes, little-endian)                      payload (deflate-raw)
//   "TTP1" | kind u8 | 3 × 0 | rows u32 | payload bytes u32 | payload crc32 u32 | header crc32 u32 | ...
//
// kind 1 = trades, columnar: firstTsMs f64, then the tsMs deltas as zigzag varints, priceUsd and qty
// each as integer steps at the fewest exact decimals (varints; raw doubles when no decimal count is
// exact), then one side byte per row. kind 2 = other market events (tickers, open interest, funding)
// as NDJSON.
// A crash can only tear the last block: the reader checks both CRCs and stops there, keeping the rest.

import { crc32, deflateRawSync, inflateRawSync } from "node:zlib";
import type { MarketEvent } from "../events.js";

export const BLOCK_MAGIC = 0x31505454; // "TTP1" read as a little-endian u32
export const BLOCK_HEADER_BYTES = 24;
export const BLOCK_KIND_TRADES = 1;
export const BLOCK_KIND_EVENTS = 2;
/** Refuses absurd lengths in a damaged header before allocating anything. */
export const MAX_BLOCK_PAYLOAD_BYTES = 256 * 1024 * 1024;

export interface TradeColumns {
  readonly tsMs: Float64Array;
  readonly priceUsd: Float64Array;
  readonly qty: Float64Array;
  /** +1 taker buy, −1 taker sell. */
  readonly sideSign: Int8Array;
}

export type DecodedBlock = { readonly kind: typeof BLOCK_KIND_TRADES; readonly trades: TradeColumns } | { readonly kind: typeof BLOCK_KIND_EVENTS; readonly events: MarketEvent[] };

function frame(kind: number, rows: number, raw: Uint8Array): Buffer {
  const payload = deflateRawSync(raw, { level: 6 });
  const header = Buffer.alloc(BLOCK_HEADER_BYTES);
  header.writeUInt32LE(BLOCK_MAGIC, 0);
  header.writeUInt8(kind, 4);
  header.writeUInt32LE(rows, 8);
  header.writeUInt32LE(payload.length, 12);
  header.writeUInt32LE(crc32(payload), 16);
  header.writeUInt32LE(crc32(header.subarray(0, 20)), 20);
  return Buffer.concat([header, payload]);
}

/** Growable byte buffer with LEB128 varints (zigzag for signed values); exact for integers below 2^53. */
class ByteWriter {
  private bytes = new Uint8Array(1024);
  length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  u8(value: number): void {
    this.reserve(1);
    this.bytes[this.length++] = value;
  }

  u32(value: number): void {
    this.reserve(4);
    new DataView(this.bytes.buffer).setUint32(this.length, value, true);
    this.length += 4;
  }

  f64(value: number): void {
    this.reserve(8);
    new DataView(this.bytes.buffer).setFloat64(this.length, value, true);
    this.length += 8;
  }

  varint(value: number): void {
    this.reserve(8);
    let v = value;
    while (v >= 128) {
      this.bytes[this.length++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.bytes[this.length++] = v;
  }

  signed(value: number): void {
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  done(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

class ByteReader {
  private readonly view: DataView;
  offset = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number): void {
    if (this.offset + n > this.bytes.length) throw new Error("trades block ends early");
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.offset++] as number;
  }

  u32(): number {
    this.need(4);
    const value = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }

  f64(): number {
    this.need(8);
    const value = this.view.getFloat64(this.offset, true);
    this.offset += 8;
    return value;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      this.need(1);
      const byte = this.bytes[this.offset++] as number;
      value += (byte & 127) * scale;
      if (byte < 128) return value;
      scale *= 128;
      if (scale > 2 ** 56) throw new Error("varint too long");
    }
  }

  signed(): number {
    const v = this.varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}

const COLUMN_FLOAT = 0;
const COLUMN_DECIMAL = 1;
const MAX_DECIMALS = 10;

/** The fewest decimals that hold every value exactly (prices on a tick, sizes on a lot), or null. */
function decimalsOf(values: Float64Array, n: number): number | null {
  for (let decimals = 0; decimals <= MAX_DECIMALS; decimals++) {
    const scale = 10 ** decimals;
    let exact = true;
    for (let i = 0; i < n && exact; i++) {
      const v = values[i] as number;
      const scaled = Math.round(v * scale);
      exact = Math.abs(scaled) < 2 ** 52 && scaled / scale === v && !Object.is(v, -0);
    }
    if (exact) return decimals;
  }
  return null;
}

/**
 * A numeric column: as integer steps from the previous value when every value has few decimals (what
 * prices on a tick and sizes on a lot are: tiny varints that deflate well), else as raw doubles.
 */
function writeColumn(out: ByteWriter, values: Float64Array, n: number): void {
  const decimals = decimalsOf(values, n);
  if (decimals === null) {
    out.u8(COLUMN_FLOAT);
    out.raw(new Uint8Array(values.buffer, values.byteOffset, n * 8));
    return;
  }
  out.u8(COLUMN_DECIMAL);
  out.u8(decimals);
  const scale = 10 ** decimals;
  let previous = 0;
  for (let i = 0; i < n; i++) {
    const scaled = Math.round((values[i] as number) * scale);
    out.signed(scaled - previous);
    previous = scaled;
  }
}

function readColumn(input: ByteReader, n: number): Float64Array {
  const mode = input.u8();
  if (mode === COLUMN_FLOAT) return new Float64Array(Uint8Array.from(input.take(n * 8)).buffer);
  if (mode !== COLUMN_DECIMAL) throw new Error(`unknown column encoding ${mode}`);
  const decimals = input.u8();
  if (decimals > MAX_DECIMALS) throw new Error(`column has ${decimals} decimals`);
  const scale = 10 ** decimals;
  const out = new Float64Array(n);
  let value = 0;
  for (let i = 0; i < n; i++) {
    value += input.signed();
    out[i] = value / scale;
  }
  return out;
}

/** One trades block. Rows keep the order given; timestamps must be integer milliseconds. */
export function encodeTradesBlock(columns: TradeColumns, n: number = columns.tsMs.length): Buffer {
  const out = new ByteWriter();
  let previous = n > 0 ? (columns.tsMs[0] as number) : 0;
  out.f64(previous);
  for (let i = 0; i < n; i++) {
    const ts = columns.tsMs[i] as number;
    if (!Number.isSafeInteger(ts)) throw new RangeError(`tape: trade timestamps must be integer milliseconds (row ${i})`);
    out.signed(ts - previous);
    previous = ts;
  }
  writeColumn(out, columns.priceUsd, n);
  writeColumn(out, columns.qty, n);
  for (let i = 0; i < n; i++) out.u8((columns.sideSign[i] as number) > 0 ? 1 : 0);
  return frame(BLOCK_KIND_TRADES, n, out.done());
}

export function encodeEventsBlock(events: readonly MarketEvent[]): Buffer {
  const text = events.map((e) => JSON.stringify(e)).join("\n");
  return frame(BLOCK_KIND_EVENTS, events.length, Buffer.from(text, "utf8"));
}

function decodeTrades(raw: Uint8Array, n: number): TradeColumns {
  const input = new ByteReader(raw);
  const tsMs = new Float64Array(n);
  let ts = input.f64();
  for (let i = 0; i < n; i++) {
    ts += input.signed();
    tsMs[i] = ts;
  }
  const priceUsd = readColumn(input, n);
  const qty = readColumn(input, n);
  const sides = input.take(n);
  const sideSign = new Int8Array(n);
  for (let i = 0; i < n; i++) sideSign[i] = sides[i] === 1 ? 1 : -1;
  if (input.offset !== raw.length) throw new Error(`trades block has ${raw.length - input.offset} bytes left over`);
  return { tsMs, priceUsd, qty, sideSign };
}

export interface ChunkScan {
  readonly blocks: DecodedBlock[];
  /** Bytes up to the end of the last good block. */
  readonly validBytes: number;
  /** What follows it: a torn block, or damage; never read. */
  readonly tornBytes: number;
  readonly problem: string | null;
}

/** Decodes the good blocks of a chunk file and stops at the first that fails its checks. */
export function scanChunk(file: Uint8Array, wantKinds: ReadonlySet<number> = new Set([BLOCK_KIND_TRADES, BLOCK_KIND_EVENTS])): ChunkScan {
  const buffer = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const blocks: DecodedBlock[] = [];
  let offset = 0;
  let problem: string | null = null;
  while (offset < buffer.length) {
    if (buffer.length - offset < BLOCK_HEADER_BYTES) {
      problem = `torn header at byte ${offset}`;
      break;
    }
    const header = buffer.subarray(offset, offset + BLOCK_HEADER_BYTES);
    if (header.readUInt32LE(0) !== BLOCK_MAGIC || crc32(header.subarray(0, 20)) !== header.readUInt32LE(20)) {
      problem = `damaged header at byte ${offset}`;
      break;
    }
    const kind = header.readUInt8(4);
    const rows = header.readUInt32LE(8);
    const payloadBytes = header.readUInt32LE(12);
    if (payloadBytes > MAX_BLOCK_PAYLOAD_BYTES || offset + BLOCK_HEADER_BYTES + payloadBytes > buffer.length) {
      problem = `torn block at byte ${offset}`;
      break;
    }
    const payload = buffer.subarray(offset + BLOCK_HEADER_BYTES, offset + BLOCK_HEADER_BYTES + payloadBytes);
    if (crc32(payload) !== header.readUInt32LE(16)) {
      problem = `payload checksum mismatch at byte ${offset}`;
      break;
    }
    try {
      if (wantKinds.has(kind)) {
        const raw = inflateRawSync(payload);
        if (kind === BLOCK_KIND_TRADES) blocks.push({ kind, trades: decodeTrades(raw, rows) });
        else if (kind === BLOCK_KIND_EVENTS) blocks.push({ kind, events: raw.length === 0 ? [] : (raw.toString("utf8").split("\n").map((line) => JSON.parse(line)) as MarketEvent[]) });
      }
    } catch (err) {
      problem = `undecodable block at byte ${offset}: ${(err as Error).message}`;
      break;
    }
    offset += BLOCK_HEADER_BYTES + payloadBytes;
  }
  return { blocks, validBytes: offset, tornBytes: buffer.length - offset, problem };
}
