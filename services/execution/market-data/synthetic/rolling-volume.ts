// A day of traded volume in one-minute buckets: what a venue's ticker reports as 24 h volume and
// turnover. Adding to a minute first empties its bucket if it still holds the same minute of yesterday.

const MINUTE_MS = 60_000;
const DAY_MINUTES = 1_440;

export class RollingDayVolume {
  private readonly minuteOf = new Float64Array(DAY_MINUTES).fill(-1);
  private readonly qty = new Float64Array(DAY_MINUTES);
  private readonly usd = new Float64Array(DAY_MINUTES);
  volumeQty = 0;
  turnoverUsd = 0;

  add(tsMs: number, qty: number, turnoverUsd: number): void {
    const slot = this.slot(tsMs);
    this.qty[slot] = (this.qty[slot] as number) + qty;
    this.usd[slot] = (this.usd[slot] as number) + turnoverUsd;
    this.volumeQty += qty;
    this.turnoverUsd += turnoverUsd;
  }

  /** Drops the minute a day before `tsMs`, even when no trade arrives to do it. */
  expire(tsMs: number): void {
    this.slot(tsMs);
  }

  /** A typical day before `startMs`, so the first tickers already show a day's figures. */
  prefill(startMs: number, qtyPerMinute: number, usdPerMinute: number): void {
    const startMinute = Math.floor(startMs / MINUTE_MS);
    for (let minute = startMinute - DAY_MINUTES + 1; minute < startMinute; minute++) this.add(minute * MINUTE_MS, qtyPerMinute, usdPerMinute);
  }

  private slot(tsMs: number): number {
    const minute = Math.floor(tsMs / MINUTE_MS);
    const slot = minute % DAY_MINUTES;
    if (this.minuteOf[slot] !== minute) {
      this.volumeQty = Math.max(0, this.volumeQty - (this.qty[slot] as number));
      this.turnoverUsd = Math.max(0, this.turnoverUsd - (this.usd[slot] as number));
      this.minuteOf[slot] = minute;
      this.qty[slot] = 0;
      this.usd[slot] = 0;
    }
    return slot;
  }
}
