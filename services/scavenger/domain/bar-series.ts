// One symbol's closed bars of one interval, oldest first, kept contiguous in typed arrays so the
// indicators read them in place over [start, end). The buffer is twice the capacity: when it fills,
// the newest bars are moved to the front once, which keeps appends amortised O(1) without slicing.

export class BarSeries {
  readonly capacity: number;
  readonly intervalMs: number;
  openTsMs: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volumeQty: Float64Array;
  turnoverUsd: Float64Array;
  /** Index of the oldest bar kept. */
  start = 0;
  /** One past the newest bar. */
  end = 0;
  /** Counts every change of the bars kept: what was computed from them at one revision holds until the next. */
  revision = 0;

  constructor(capacity: number, intervalMs: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`bar series capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.intervalMs = intervalMs;
    const size = capacity * 2;
    this.openTsMs = new Float64Array(size);
    this.open = new Float64Array(size);
    this.high = new Float64Array(size);
    this.low = new Float64Array(size);
    this.close = new Float64Array(size);
    this.volumeQty = new Float64Array(size);
    this.turnoverUsd = new Float64Array(size);
  }

  get length(): number {
    return this.end - this.start;
  }

  /** Open time of the newest bar; NaN when empty. */
  get lastOpenTsMs(): number {
    return this.end > this.start ? (this.openTsMs[this.end - 1] as number) : Number.NaN;
  }

  get lastClose(): number {
    return this.end > this.start ? (this.close[this.end - 1] as number) : Number.NaN;
  }

  push(openTsMs: number, open: number, high: number, low: number, close: number, volumeQty: number, turnoverUsd: number): void {
    if (this.end === this.openTsMs.length) this.compact();
    const i = this.end++;
    this.openTsMs[i] = openTsMs;
    this.open[i] = open;
    this.high[i] = high;
    this.low[i] = low;
    this.close[i] = close;
    this.volumeQty[i] = volumeQty;
    this.turnoverUsd[i] = turnoverUsd;
    if (this.end - this.start > this.capacity) this.start++;
    this.revision++;
  }

  clear(): void {
    this.start = 0;
    this.end = 0;
    this.revision++;
  }

  /** Turnover (USD) of the bars opened at or after `fromTsMs`. */
  turnoverSince(fromTsMs: number): number {
    let sum = 0;
    for (let i = this.end - 1; i >= this.start && (this.openTsMs[i] as number) >= fromTsMs; i--) sum += this.turnoverUsd[i] as number;
    return sum;
  }

  /** A series of another capacity holding this one's newest bars (parameters changed). */
  resized(capacity: number): BarSeries {
    const next = new BarSeries(capacity, this.intervalMs);
    for (let i = Math.max(this.start, this.end - capacity); i < this.end; i++) {
      next.push(
        this.openTsMs[i] as number,
        this.open[i] as number,
        this.high[i] as number,
        this.low[i] as number,
        this.close[i] as number,
        this.volumeQty[i] as number,
        this.turnoverUsd[i] as number,
      );
    }
    return next;
  }

  private compact(): void {
    const keep = this.capacity - 1;
    const from = this.end - keep;
    for (const field of [this.openTsMs, this.open, this.high, this.low, this.close, this.volumeQty, this.turnoverUsd]) field.copyWithin(0, from, this.end);
    this.start = 0;
    this.end = keep;
  }
}
