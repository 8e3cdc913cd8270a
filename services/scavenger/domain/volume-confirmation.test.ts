import { describe, expect, it } from "vitest";
import { VolumeConfirmation } from "./volume-confirmation.js";

const settings = { minTrades: 50, windowMs: 100, priceTolerancePercent: 0.1 };
const T0 = 1_767_225_600_000;

/** Offers trades at the given times and price; returns the index (0-based) of the first that confirmed, or −1. */
function firstConfirmation(confirmation: VolumeConfirmation, times: number[], priceUsd = 100): number {
  return times.findIndex((tsMs) => confirmation.offer(0, priceUsd, tsMs));
}

const spread = (count: number, spanMs: number) => Array.from({ length: count }, (_, i) => T0 + Math.round((i * spanMs) / Math.max(1, count - 1)));

describe("volume confirmation (sliding 100 ms window of individual trades)", () => {
  it("49 trades within 100 ms: no", () => {
    const confirmation = new VolumeConfirmation(settings);
    confirmation.arm(0, 100);
    expect(firstConfirmation(confirmation, spread(49, 99))).toBe(-1);
  });

  it("50 trades within 100 ms (t … t + 99): yes, on the 50th", () => {
    const confirmation = new VolumeConfirmation(settings);
    confirmation.arm(0, 100);
    expect(firstConfirmation(confirmation, spread(50, 99))).toBe(49);
  });

  it("50 trades at the same millisecond: yes", () => {
    const confirmation = new VolumeConfirmation(settings);
    confirmation.arm(0, 100);
    expect(firstConfirmation(confirmation, Array.from({ length: 50 }, () => T0))).toBe(49);
  });

  it("50 trades spread over 101 ms (t … t + 100): no", () => {
    const confirmation = new VolumeConfirmation(settings);
    confirmation.arm(0, 100);
    expect(firstConfirmation(confirmation, spread(50, 100))).toBe(-1);
  });

  it("50 trades spread over 102 ms (first at t, last at t + 101): no", () => {
    const confirmation = new VolumeConfirmation(settings);
    confirmation.arm(0, 100);
    expect(firstConfirmation(confirmation, spread(50, 101))).toBe(-1);
  });

  it("the window slides: a slow start does not matter once 50 trades fit in 100 ms", () => {
    const confirmation = new VolumeConfirmation(settings);
    confirmation.arm(0, 100);
    // 30 trades one second apart, then a burst of 50 within 40 ms: fires on the burst's 50th trade, not at
    // the first touch's window.
    const slow = Array.from({ length: 30 }, (_, i) => T0 + i * 1_000);
    const burst = Array.from({ length: 50 }, (_, i) => T0 + 60_000 + Math.floor(i * 0.8));
    expect(firstConfirmation(confirmation, [...slow, ...burst])).toBe(30 + 49);
  });

  it("counts only trades within ±0.1 % of the trigger, and one far away does not reset the count", () => {
    const confirmation = new VolumeConfirmation(settings);
    confirmation.arm(0, 100);
    // Band 99.9 … 100.1 (edges included).
    expect(confirmation.offer(0, 100.11, T0)).toBe(false);
    expect(confirmation.offer(0, 99.89, T0)).toBe(false);
    const times = spread(50, 99);
    let fired = -1;
    times.forEach((tsMs, i) => {
      if (i === 25) confirmation.offer(0, 105, tsMs); // far away: ignored
      const priceUsd = i % 2 === 0 ? 99.9 : 100.1;
      if (confirmation.offer(0, priceUsd, tsMs) && fired < 0) fired = i;
    });
    expect(fired).toBe(49);
  });

  it("re-arming forgets earlier trades; a disarmed channel never fires", () => {
    const confirmation = new VolumeConfirmation(settings);
    confirmation.arm(0, 100);
    spread(49, 50).forEach((tsMs) => confirmation.offer(0, 100, tsMs));
    confirmation.arm(0, 100);
    expect(confirmation.offer(0, 100, T0 + 51)).toBe(false);
    expect(confirmation.recentTrades(0, T0 + 51)).toBe(1);
    confirmation.disarm(0);
    expect(firstConfirmation(confirmation, Array.from({ length: 60 }, () => T0 + 60))).toBe(-1);
  });

  it("channels are independent", () => {
    const confirmation = new VolumeConfirmation(settings, 2);
    confirmation.arm(0, 100);
    confirmation.arm(5, 200);
    spread(49, 99).forEach((tsMs) => confirmation.offer(0, 100, tsMs));
    expect(confirmation.offer(5, 200, T0 + 99)).toBe(false);
    expect(confirmation.offer(0, 100, T0 + 99)).toBe(true);
  });
});
