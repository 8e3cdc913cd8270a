import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { STOPPED, StopSignal } from "./stop-signal.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Runs `rounds` races whose results are dropped at once; how many of the results the heap still holds. */
const retainedAfter = async (race: (work: Promise<object>) => Promise<unknown>, rounds: number): Promise<number> => {
  const refs: Array<WeakRef<object>> = [];
  const once = async (i: number): Promise<void> => {
    const payload = { batch: new Array(100).fill(i) };
    refs.push(new WeakRef(payload));
    await race(Promise.resolve(payload));
  };
  for (let i = 0; i < rounds; i++) await once(i);
  await new Promise((r) => setImmediate(r));
  gc();
  return refs.filter((r) => r.deref() !== undefined).length;
};

describe("StopSignal", () => {
  it("keeps no result of a race alive, where Promise.race against a long-lived promise keeps every one", async () => {
    const never = new Promise<never>(() => undefined);
    // The control shows the test can fail: this is the leak the consumer had.
    expect(await retainedAfter((work) => Promise.race([work, never]), 200)).toBe(200);
    const signal = new StopSignal();
    expect(await retainedAfter((work) => signal.race(work), 200)).toBe(0);
  });

  it("gives the work's value or error while running, and STOPPED once stopped, even for work that never ends", async () => {
    const signal = new StopSignal();
    expect(await signal.race(Promise.resolve(7))).toBe(7);
    await expect(signal.race(Promise.reject(new Error("read failed")))).rejects.toThrow("read failed");
    const pending = signal.race(new Promise(() => undefined));
    signal.stop();
    expect(await pending).toBe(STOPPED);
    expect(signal.isStopped).toBe(true);
    // After the stop nothing waits; a failing late work is not an unhandled rejection.
    expect(await signal.race(Promise.reject(new Error("late")))).toBe(STOPPED);
    expect(await new StopSignal("stopped").race(Promise.resolve(1))).toBe(STOPPED);
  });
});
