import { describe, expect, it } from "vitest";
import { renderOrders, renderPositions, renderReconcile, renderRun, renderState } from "./execution.js";

describe("titanctl execution views", () => {
  it("shows open positions only, one line each", () => {
    const text = renderPositions([
      { symbol: "BTCUSDT", side: "long", qty: 0.1, entryPriceUsd: 60_000, markPriceUsd: 60_100, unrealisedPnlUsd: 10, realisedPnlUsd: -1.5 },
      { symbol: "ETHUSDT", side: "flat", qty: 0, entryPriceUsd: null, markPriceUsd: null, unrealisedPnlUsd: 0, realisedPnlUsd: 3 },
    ]);
    expect(text.split("\n")).toHaveLength(2);
    expect(text).toMatch(/BTCUSDT\s+long\s+0\.1\s+60000\.00\s+60100\.00\s+10\.00\s+-1\.50/);
    expect(renderPositions([])).toBe("no open positions");
  });

  it("lists open orders and the commands still waiting", () => {
    const text = renderOrders([], [{ clientOrderId: "tt-A", symbol: "BTCUSDT", status: "pending", refusalReason: null, receivedAtMs: Date.UTC(2026, 0, 1) }]);
    expect(text).toContain("no open orders");
    expect(text).toContain("1 command(s) waiting for the venue");
    expect(text).toContain("2026-01-01T00:00:00Z");
  });

  it("explains a reconciliation, its mismatches and how close it is to halting", () => {
    const text = renderReconcile({
      run: { outcome: "mismatch", finishedAtMs: Date.UTC(2026, 0, 1), detail: null, mismatches: [{ kind: "size", subject: "position", symbol: "BTCUSDT", shadow: "long 0.1", exchange: "long 0.25" }] },
      status: { consecutiveMismatching: 2, lastCleanAtMs: null, haltAfterCycles: 3 },
    });
    expect(text).toContain("2/3 mismatching cycles");
    expect(text).toMatch(/size\s+position\s+BTCUSDT\s+long 0\.1\s+long 0\.25/);
  });

  it("names each cause of a restricted state and who holds it", () => {
    expect(renderState({ state: "ACTIVE", own: [], brain: [] })).toBe("trading ACTIVE");
    const text = renderState({ state: "HALTED", own: [{ cause: "operator-halt", state: "HALTED", detail: "flatten all: test" }], brain: [{ cause: "breaker-soft", state: "REDUCING", detail: "3 losses" }] });
    expect(text).toMatch(/operator-halt\s+HALTED\s+execution/);
    expect(text).toMatch(/breaker-soft\s+REDUCING\s+brain/);
  });

  it("reports a control run with its duration", () => {
    expect(renderRun({ runId: "r1", kind: "flatten", status: "done", rounds: 1, seconds: 0.42, detail: null })).toBe("flatten r1: done in 0.42 s, 1 round(s)");
  });
});
