import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EMPTY_WINDOW, allowedPerWindow, record, useRatio, waitMs, type RateRule } from "./rate-limit.js";

const CREATE: RateRule = { limit: 10, windowMs: 1_000, headroom: 0.2 };

describe("request pacing", () => {
  it("keeps 20 % of Bybit's 10 creates per second unused", () => {
    expect(allowedPerWindow(CREATE)).toBe(8);
    let w = EMPTY_WINDOW;
    for (let i = 0; i < 8; i += 1) {
      expect(waitMs(w, CREATE, 100)).toBe(0);
      w = record(w, CREATE, 100);
    }
    expect(waitMs(w, CREATE, 100)).toBe(1_000);
    expect(waitMs(w, CREATE, 1_101)).toBe(0);
    expect(useRatio(w, CREATE, 200)).toBeCloseTo(0.8, 9);
  });

  it("never lets any one-second span hold more than the allowance when callers wait as told", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 200 }), (gaps) => {
        let w = EMPTY_WINDOW;
        let now = 0;
        const sent: number[] = [];
        for (const gap of gaps) {
          now += gap;
          now += waitMs(w, CREATE, now);
          w = record(w, CREATE, now);
          sent.push(now);
        }
        for (const t of sent) expect(sent.filter((s) => s > t - 1_000 && s <= t).length).toBeLessThanOrEqual(8);
      }),
    );
  });
});
