import { describe, expect, it } from "vitest";
import { systemClock } from "./clock.js";
import { contractValidator } from "./bus.js";
import { makeEnvelope } from "./contracts/index.js";
import { SAMPLE_PAYLOADS } from "./contracts/samples.js";
import { MAX_INPUT_DEPTH } from "./input-problems.js";

const sample = () => JSON.parse(JSON.stringify(makeEnvelope("signal", SAMPLE_PAYLOADS.signal, { source: "scavenger", clock: systemClock }))) as Record<string, unknown>;

describe("the bus's contract validator", () => {
  it("takes a message of the contracts", () => {
    expect(contractValidator(sample()).ok).toBe(true);
  });

  it("refuses text PostgreSQL cannot store, naming the place, before the schema sees it", () => {
    const withNul = sample();
    (withNul.payload as Record<string, unknown>).symbol = "BTC\u0000USDT";
    expect(contractValidator(withNul)).toEqual({ ok: false, reason: "/payload/symbol: must not contain U+0000 or a lone surrogate" });
    const withSurrogate = { ...sample(), correlationId: "\ud800" };
    expect(contractValidator(withSurrogate)).toMatchObject({ ok: false, reason: expect.stringMatching(/^\/correlationId: /) });
  });

  it(`refuses nesting deeper than ${MAX_INPUT_DEPTH} levels instead of overflowing the validator`, () => {
    let deep: unknown = "x";
    for (let i = 0; i < 5_000; i += 1) deep = { d: deep };
    const message = { ...sample(), payload: deep };
    expect(() => contractValidator(message)).not.toThrow();
    expect(contractValidator(message)).toMatchObject({ ok: false, reason: expect.stringMatching(/nested deeper than 32 levels/) });
  });
});
