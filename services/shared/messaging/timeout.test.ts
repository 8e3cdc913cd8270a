import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { RedisTimeoutError, withTimeout } from "./timeout.js";

describe("withTimeout", () => {
  it("passes a timely answer through and cancels its timer", async () => {
    const clock = new ManualClock();
    await expect(withTimeout(Promise.resolve("OK"), 1_000, clock, "PING")).resolves.toBe("OK");
    expect(clock.pendingTimers).toBe(0);
  });

  it("passes a failure through unchanged", async () => {
    const clock = new ManualClock();
    await expect(withTimeout(Promise.reject(new Error("NOGROUP")), 1_000, clock, "XREADGROUP")).rejects.toThrow("NOGROUP");
  });

  it("fails with a timeout once the injected clock passes the limit, not before", async () => {
    const clock = new ManualClock();
    let settled = false;
    const pending = withTimeout(new Promise<never>(() => undefined), 1_000, clock, "XACK").finally(() => (settled = true));
    pending.catch(() => undefined);
    clock.advance(999);
    await Promise.resolve();
    expect(settled).toBe(false);
    clock.advance(1);
    await expect(pending).rejects.toThrow(new RedisTimeoutError("XACK", 1_000));
  });
});
