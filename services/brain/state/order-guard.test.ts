import { describe, expect, test } from "vitest";
import { SAMPLE_PAYLOADS } from "../../shared/contracts/samples.js";
import type { Decision } from "../../shared/contracts/index.js";
import { DEFAULT_BRAIN_PARAMETERS as params } from "../domain/index.js";
import { orderGuardProblems } from "./order-guard.js";

const decision = SAMPLE_PAYLOADS.decision as Extract<Decision, { outcome: "approved" }>;
const order = SAMPLE_PAYLOADS["order-command"];

describe("the order guard", () => {
  test("passes an order within every cap", () => {
    expect(orderGuardProblems(order, decision, [], 1_000, params)).toEqual([]);
  });

  test("names every cap an order breaks", () => {
    const problems = orderGuardProblems({ ...order, notionalUsd: 30_000, leverage: 50 }, decision, [], 1_000, params);
    expect(problems.join("\n")).toMatch(/above the 500 USD requested/);
    expect(problems.join("\n")).toMatch(/above the phase maximum/);
    expect(problems.join("\n")).toMatch(/leverage 50x is above the tier cap 20x/);
    expect(problems.join("\n")).toMatch(/projected leverage/);
  });

  test("counts open positions in the projected leverage", () => {
    const book = [{ symbol: "ETH/USDT:USDT", side: "long" as const, notionalUsd: 19_800 }];
    expect(orderGuardProblems(order, decision, book, 1_000, params)).toEqual([expect.stringMatching(/projected leverage/)]);
  });

  test("refuses everything without positive equity", () => {
    expect(orderGuardProblems(order, decision, [], 0, params)).toEqual([expect.stringMatching(/equity is 0/)]);
  });
});
