// The paper venue's group commit: calls change the books at once and wait for the save that carries
// their change; calls made during a save share the next one; a failed save loses nothing and reports
// nothing until a later save carries it. The store here is in memory (the PostgreSQL store has its own
// tests); what is tested is when the venue saves and answers.
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../shared/clock.js";
import type { OrderRequest, VenueFill, VenueOrder } from "../../domain/venue-types.js";
import { PAPER_INSTRUMENTS, PaperVenue, type PaperBooksChange, type PaperBooksStore } from "./paper-venue.js";

/** A store whose saves wait until released, and fail when told to. */
class GatedStore implements PaperBooksStore {
  readonly saves: PaperBooksChange[] = [];
  private readonly gates: Array<{ release: () => void; fail: (err: Error) => void }> = [];

  async load(): Promise<null> {
    return null;
  }

  save(change: PaperBooksChange): Promise<void> {
    return new Promise((resolve, reject) => {
      this.gates.push({
        release: () => {
          this.saves.push(change);
          resolve();
        },
        fail: reject,
      });
    });
  }

  get waiting(): number {
    return this.gates.length;
  }

  /** Settles the oldest waiting save. */
  settle(outcome: "ok" | "fail"): void {
    const gate = this.gates.shift();
    if (!gate) throw new Error("no save is waiting");
    if (outcome === "ok") gate.release();
    else gate.fail(new Error("connection terminated"));
  }
}

const restingBuy = (n: number): OrderRequest => ({
  clientOrderId: `c-${n}`,
  symbol: "BTCUSDT",
  side: "buy",
  orderType: "limit",
  qty: 0.001,
  limitPriceUsd: 10_000 + n, // far below any market: it rests
  reduceOnly: false,
  stopLossPriceUsd: null,
  takeProfitPriceUsd: null,
});

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

const startVenue = async (store: PaperBooksStore) => {
  const reported: VenueOrder[] = [];
  const venue = new PaperVenue({ instruments: PAPER_INSTRUMENTS, walletBalanceUsd: 100_000, clock: new ManualClock(1_700_000_000_000), store });
  await venue.start({ onOrders: (orders) => reported.push(...orders), onFills: (_fills: readonly VenueFill[]) => undefined, onStreamState: () => undefined });
  return { venue, reported };
};

describe("the paper venue's saves", () => {
  it("answers each create after the save that carries it, and creates made during a save share the next one", async () => {
    const store = new GatedStore();
    const { venue, reported } = await startVenue(store);
    const answered: string[] = [];
    const first = venue.createOrder(restingBuy(0)).then((r) => answered.push(r.venueOrderId));
    const rest = Array.from({ length: 9 }, (_, i) => venue.createOrder(restingBuy(i + 1)).then((r) => answered.push(r.venueOrderId)));
    await flush();
    // One save in flight; the nine others changed the books already (a duplicate is refused at once).
    expect(store.waiting).toBe(1);
    await expect(venue.createOrder(restingBuy(5))).rejects.toMatchObject({ kind: "duplicate" });
    expect(answered).toEqual([]);

    store.settle("ok");
    await first;
    expect(answered).toEqual(["paper-1"]);
    await flush();
    expect(store.waiting).toBe(1); // the nine, together
    store.settle("ok");
    await Promise.all(rest);
    expect(store.saves.map((s) => s.orders.length)).toEqual([1, 9]);
    expect(answered).toHaveLength(10);
    await flush();
    expect(reported.map((o) => o.clientOrderId).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `c-${i}`).sort());
  });

  it("loses nothing to a failed save: its callers fail, the next save carries the change, and it is reported only then", async () => {
    const store = new GatedStore();
    const { venue, reported } = await startVenue(store);
    const failed = venue.createOrder(restingBuy(1));
    await flush();
    store.settle("fail");
    await expect(failed).rejects.toThrow("connection terminated");
    await flush();
    expect(reported).toEqual([]);
    // The venue has the order (as an exchange that answered too late would): a lookup finds it.
    expect(await venue.findOrder("BTCUSDT", "c-1")).toMatchObject({ clientOrderId: "c-1" });

    const next = venue.createOrder(restingBuy(2));
    await flush();
    store.settle("ok");
    await next;
    expect(store.saves).toHaveLength(1);
    expect(store.saves[0]?.orders.map((o) => o.clientOrderId).sort()).toEqual(["c-1", "c-2"]);
    await flush();
    expect(reported.map((o) => o.clientOrderId).sort()).toEqual(["c-1", "c-2"]);
  });

  it("stops only after the saves in flight", async () => {
    const store = new GatedStore();
    const { venue } = await startVenue(store);
    const created = venue.createOrder(restingBuy(1));
    await flush();
    let stopped = false;
    const stopping = venue.stop().then(() => (stopped = true));
    await flush();
    expect(stopped).toBe(false);
    store.settle("ok");
    await Promise.all([created, stopping]);
    expect(stopped).toBe(true);
  });
});
