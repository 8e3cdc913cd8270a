import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEngineState, type Fill, type Order } from "../../domain/matching/index.js";
import { PAPER_INSTRUMENTS } from "./paper-venue.js";
import { PaperLedger, type PaperBooks } from "./paper-ledger.js";

const engine = createEngineState({ instruments: PAPER_INSTRUMENTS, walletBalanceUsd: 10_000 });
const empty: PaperBooks = { engine, orders: {}, fills: [], orderSeq: 0 };

const order = (n: number, over: Partial<Order> = {}): Order => ({
  orderId: `paper-${n}`,
  clientOrderId: `c-${n}`,
  symbol: "BTCUSDT",
  side: "buy",
  type: "limit",
  timeInForce: "GTC",
  qty: 0.01,
  limitPriceUsd: 60_000,
  reduceOnly: false,
  stopLossPriceUsd: null,
  takeProfitPriceUsd: null,
  status: "filled",
  filledQty: 0.01,
  filledNotionalUsd: 600,
  avgFillPriceUsd: 60_000,
  cumFeeUsd: 0.1,
  origin: "client",
  rejectReason: null,
  cancelReason: null,
  priceOnCreateUsd: 60_000,
  queueSeq: n,
  createdTsMs: n,
  updatedTsMs: n,
  ...over,
});

const fill = (n: number): Fill => ({
  fillId: `paper-f-${n}`,
  orderId: `paper-${n}`,
  clientOrderId: `c-${n}`,
  symbol: "BTCUSDT",
  side: "buy",
  qty: 0.01,
  priceUsd: 60_000,
  feeUsd: 0.1,
  feeRate: 0.00055,
  liquidity: "taker",
  closedQty: 0,
  realisedGrossPnlUsd: 0,
  orderType: "limit",
  orderQty: 0.01,
  orderPriceUsd: 60_000,
  leavesQty: 0,
  origin: "client",
  markPriceUsd: 60_000,
  tsMs: n,
});

describe("the paper ledger", () => {
  it("hands the store only what changed since the last save, once", () => {
    const ledger = new PaperLedger(empty, 100);
    ledger.recordOrder(order(1, { status: "new", filledQty: 0 }));
    ledger.recordOrder(order(1));
    ledger.recordFill(fill(1));
    const first = ledger.takeChange();
    expect(first.orders).toEqual([order(1)]);
    expect(first.fills).toEqual([fill(1)]);
    const second = ledger.takeChange();
    expect(second.orders).toEqual([]);
    expect(second.fills).toEqual([]);
  });

  it("finds the newest order of a client id on its symbol, and none on another", () => {
    const ledger = new PaperLedger(empty, 100);
    ledger.recordOrder(order(1, { clientOrderId: "same", createdTsMs: 10 }));
    ledger.recordOrder(order(2, { clientOrderId: "same", createdTsMs: 20 }));
    ledger.recordOrder(order(1, { clientOrderId: "same", createdTsMs: 10, updatedTsMs: 30 })); // an update of the older one
    expect(ledger.findByClientId("BTCUSDT", "same")?.orderId).toBe("paper-2");
    expect(ledger.findByClientId("ETHUSDT", "same")).toBeNull();
    expect(ledger.hasClientOrderId("same")).toBe(true);
    expect(ledger.hasClientOrderId("other")).toBe(false);
  });

  it("keeps at least `keep` of the newest orders and fills, every open order, and forgets the rest", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 300 }), fc.subarray([...Array(300).keys()], { maxLength: 10 }), (keep, count, openIndexes) => {
        const open = new Set(openIndexes.filter((i) => i < count).map((i) => `paper-${i}`));
        const openOrders = Object.fromEntries([...open].map((id) => [id, order(Number(id.slice(6)), { status: "new" })]));
        const ledger = new PaperLedger({ ...empty, engine: { ...engine, openOrders } }, keep);
        for (let i = 0; i < count; i += 1) {
          ledger.recordOrder(order(i, open.has(`paper-${i}`) ? { status: "new" } : {}));
          ledger.recordFill(fill(i));
          ledger.takeChange();
        }
        for (let i = Math.max(0, count - keep); i < count; i += 1) expect(ledger.findByClientId("BTCUSDT", `c-${i}`)?.orderId).toBe(`paper-${i}`);
        for (const id of open) expect(ledger.hasClientOrderId(`c-${id.slice(6)}`)).toBe(true);
        const slack = Math.ceil(keep / 4);
        expect(ledger.fillsSince(0).length).toBeLessThanOrEqual(keep + slack);
        expect(ledger.fillsSince(0).length).toBeGreaterThanOrEqual(Math.min(count, keep));
        expect(ledger.fillsSince(0).at(-1)?.fillId).toBe(count > 0 ? `paper-f-${count - 1}` : undefined);
        expect(ledger.lastFillTsMs).toBe(count > 0 ? count - 1 : 0);
      }),
    );
  });

  it("asks the store to prune now and then, never on every save", () => {
    const ledger = new PaperLedger(empty, 10);
    const prunes = Array.from({ length: 1_000 }, () => ledger.takeChange().pruneBeyond).filter((p) => p !== undefined);
    expect(prunes).toEqual([10, 10]);
  });
});
