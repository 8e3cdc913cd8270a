import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock.js";

describe("ManualClock", () => {
  it("fires timers in due order, each at its own time", () => {
    const clock = new ManualClock(1_000);
    const fired: Array<[string, number]> = [];
    clock.setTimer(300, () => fired.push(["b", clock.nowMs()]));
    clock.setTimer(100, () => fired.push(["a", clock.nowMs()]));
    clock.advance(250);
    expect(fired).toEqual([["a", 1_100]]);
    clock.advance(50);
    expect(fired).toEqual([["a", 1_100], ["b", 1_300]]);
    expect(clock.nowMs()).toBe(1_300);
  });

  it("does not fire a cancelled timer", () => {
    const clock = new ManualClock();
    let fired = false;
    const cancel = clock.setTimer(10, () => (fired = true));
    cancel();
    clock.advance(100);
    expect(fired).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it("refuses to go backwards", () => {
    expect(() => new ManualClock().advance(-1)).toThrow(RangeError);
  });

  it("resolves sleep when time passes", async () => {
    const clock = new ManualClock();
    let done = false;
    const slept = clock.sleep(5_000).then(() => (done = true));
    clock.advance(4_999);
    await Promise.resolve();
    expect(done).toBe(false);
    clock.advance(1);
    await slept;
    expect(done).toBe(true);
  });
});
